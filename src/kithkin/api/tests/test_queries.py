"""Every list endpoint reads a page in the same number of queries whatever the rows (STYLE.md
rule 8): keyset pagination, no query per row."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

LISTS = (
    "/api/clients",
    "/api/clients/{client}/alerts",
    "/api/clients/{client}/responses",
    "/api/clients/{client}/sessions",
    "/api/clients/{client}/plan-versions",
    "/api/clients/{client}/goals",
    "/api/clients/{client}/check-ins",
    "/api/clients/{client}/people",
    "/api/clients/{client}/maps",
)


def grow(world, n: int) -> None:
    """``n`` more of every kind of row the lists show, for carol and alice's caseload."""
    from kithkin.clients.models import Client, Person
    from kithkin.measures.models import Alert, Response
    from kithkin.partners.models import TherapyPartner
    from kithkin.plans import services as plans
    from kithkin.plans.models import CheckIn
    from kithkin.relationships.models import TherapyRelationship
    from kithkin.schedule.models import Session
    from kithkin.spheres.models import SphereMap

    now = timezone.now()
    practice = world.practice
    for i in range(n):
        other = Client.objects.create(practice=practice, given_name=f"C{i}", family_name="Row")
        TherapyRelationship.objects.create(
            practice=practice, client=other, therapist=world.alice, started_on=now.date()
        )
        session = Session.objects.create(
            practice=practice,
            client=world.carol,
            therapist=world.alice,
            starts_at=now - datetime.timedelta(days=i + 1),
            status=Session.Status.ATTENDED,
        )
        response = Response.objects.create(
            practice=practice,
            client=world.carol,
            instrument="phq9",
            instrument_version="1.0",
            session=session,
            submitted_at=now,
            submitted_via="portal",
            respondent="client",
            entered_by=world.carol_login,
            idempotency_key=f"grow-{n}-{i}",
            complete=False,
            answered=0,
        )
        Alert.objects.create(
            practice=practice,
            client=world.carol,
            kind="risk",
            reason="item 9",
            response=response,
            session_number=i + 1,
            raised_at=now,
        )
        person = Person.objects.create(practice=practice, client=world.carol, name=f"P{i}")
        TherapyPartner.objects.create(practice=practice, person=person, involvement="informed")
        SphereMap.objects.create(
            practice=practice,
            client=world.carol,
            made_by="therapist",
            author=world.alice,
            taken_at=now,
        )
        plan = world.carol.plans.first() or plans.plan_start(
            client=world.carol, by=world.alice, starts_on=now.date()
        )
        version = plan.versions.order_by("-number").first()
        plans.goal_add(
            version=version,
            by=world.alice,
            goal=plans.GoalInput(description=f"G{i}", criterion="c", target_date=now.date()),
        )
        plans.version_sign(version=version, by=world.alice)
        CheckIn.objects.create(
            practice=practice, plan=plan, version=version, held_on=now.date(), by=world.alice
        )
        plans.plan_revise(plan=plan, by=world.alice)


def queries(client, url, headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("path", LISTS)
def test_a_page_costs_the_same_queries_with_more_rows(
    world, client, bearer, path, django_assert_num_queries
):
    headers = bearer(world.alice)
    url = path.format(client=world.carol.pk)
    grow(world, 2)
    client.get(url, **headers)  # the token's last use is written once a minute: not in the count
    few = queries(client, url, headers)
    grow(world, 25)
    with django_assert_num_queries(few):
        response = client.get(url + "?limit=10", **headers)
    body = response.json()
    assert len(body["items"]) == 10 and body["next"] is not None


@pytest.mark.parametrize("path", LISTS)
def test_the_cursor_walks_every_row_once(world, client, bearer, path):
    headers = bearer(world.alice)
    grow(world, 7)
    url = path.format(client=world.carol.pk)
    seen, cursor = [], None
    while True:
        suffix = f"?limit=3&cursor={cursor}" if cursor else "?limit=3"
        body = client.get(url + suffix, **headers).json()
        seen += [row["id"] for row in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 7

import contextlib

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from kithkin.accounts.models import User
from kithkin.clients.models import Client
from kithkin.demo.builder import grow_practice, load_demo
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import Session


@contextlib.contextmanager
def no_progress(**kwargs):
    class Bar:
        def update(self, n):
            pass

    yield Bar()


def test_the_demo_has_the_promised_accounts_and_roles(db):
    practice, created = load_demo(password="a demo passphrase")
    assert created
    roles = dict(User.objects.filter(practice=practice).values_list("username", "role"))
    assert roles == {
        "alice": "therapist",
        "bob": "therapist",
        "sam": "supervisor",
        "adam": "admin",
        "alexis": "client",
    }
    assert User.objects.get(username="alice").supervisor.username == "sam"
    assert User.objects.get(username="alice").check_password("a demo passphrase")


def test_alexis_is_alices_client_with_the_people_of_her_life(db):
    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    assert alexis.portal_user.username == "alexis"
    assert TherapyRelationship.objects.get(client=alexis).therapist.username == "alice"
    roles = set(alexis.people.values_list("role", flat=True))
    assert {"mother", "roommate", "employer", "coworkers"} <= roles
    assert alexis.people.get(role="roommate").name == "Diane"
    assert Session.objects.filter(client=alexis).exists()


def test_other_clients_are_spread_over_alice_and_bob(db):
    load_demo(password="a demo passphrase")
    counts = {
        name: TherapyRelationship.objects.filter(therapist__username=name).count()
        for name in ("alice", "bob")
    }
    assert counts["alice"] >= 5 and counts["bob"] >= 5


def test_it_is_deterministic_and_synthetic(db):
    def one_run():
        with transaction.atomic():
            load_demo(password="a demo passphrase")
            rows = list(
                Client.objects.order_by("pk").values_list(
                    "given_name", "family_name", "email", "phone", "date_of_birth"
                )
            )
            sessions = Session.objects.count()
            transaction.set_rollback(True)
        return rows, sessions

    first, again = one_run(), one_run()
    assert first == again
    rows, _ = again
    assert all(email.endswith("@example.org") for _, _, email, _, _ in rows)
    assert all(phone.startswith("+1 555 01") for _, _, _, phone, _ in rows)


def test_loading_twice_changes_nothing(db):
    load_demo(password="a demo passphrase")
    before = Client.objects.count()
    _, created = load_demo(password="a demo passphrase")
    assert not created
    assert Client.objects.count() == before


def test_the_large_practice_grows_in_bulk_with_a_200_client_caseload_for_alice(db):
    practice, _ = load_demo(password="a demo passphrase")
    added_clients, added_sessions = grow_practice(
        practice, clients=450, sessions=4500, progress=no_progress
    )
    assert Client.objects.filter(practice=practice).count() == 450
    assert added_clients == 450 - 13
    assert added_sessions == 4500
    assert TherapyRelationship.objects.filter(therapist__username="alice").count() == 200
    assert Session.objects.filter(status=Session.Status.SCHEDULED).exists()
    # Every client added is on somebody's caseload.
    assert not Client.objects.filter(therapy_relationships__isnull=True).exists()


def test_the_command_prints_the_logins(db, capsys):
    call_command("demo", "--quiet")
    out = capsys.readouterr().out
    for name in ("alice", "bob", "sam", "adam", "alexis"):
        assert name in out
    assert "password" in out


def test_the_command_is_refused_in_production(db):
    with override_settings(PRODUCTION=True), pytest.raises(CommandError, match="production"):
        call_command("demo")
    assert not Client.objects.exists()


def test_the_command_refuses_negative_sizes(db):
    with pytest.raises(CommandError):
        call_command("demo", "--clients", "-5")


def test_alexis_has_her_partners_and_two_maps_with_an_incongruence_and_a_movement(db):
    from kithkin.core.spheres import incongruence, movement
    from kithkin.partners.models import TherapyPartner
    from kithkin.spheres.models import SphereMap
    from kithkin.spheres.selectors import entries_of

    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    modes = dict(
        TherapyPartner.objects.filter(person__client=alexis).values_list(
            "person__name", "involvement"
        )
    )
    assert modes["Mother"] == "joint_sessions"
    assert modes["Diane"] == "unaware"
    assert modes["Employer"] == "indirect"
    assert "Coworkers" in modes
    first, second = SphereMap.objects.filter(client=alexis, made_by="therapist").order_by(
        "taken_at"
    )
    assert 85 <= (second.taken_at - first.taken_at).days <= 95
    later = entries_of(second)
    prompts = [p for e in later if (p := incongruence(e))]
    assert [p.text for p in prompts] == [
        "Diane sits in ring 2 but shows 3 of 14 components: worth exploring?"
    ]
    moved = movement(entries_of(first), later)
    assert [(m.label, m.from_ring, m.to_ring) for m in moved.moved_in] == [("Mother", 3, 2)]


def test_alexis_shared_one_map_from_home_which_alice_sees_beside_hers(db, client):
    from kithkin.spheres.models import SphereMap

    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    first, home, second = SphereMap.objects.filter(client=alexis).order_by("taken_at")
    assert (home.made_by, home.author.username, home.status) == ("client", "alexis", "final")
    assert first.taken_at < home.taken_at < home.finished_at < second.taken_at
    assert "Diane" in home.reflection
    assert home.entries.get(person__name="Diane").ring == 1
    client.force_login(User.objects.get(username="alice"))
    body = client.get(f"/clients/{alexis.pk}/maps/{second.pk}/").content.decode()
    assert f"Made by Alexis at home, finished {home.finished_at:%-d %b %Y}" in body


def test_a_session_later_today_does_not_change_the_sessions_after_it():
    """The demo draws every session's status, past or future, so whether a session on the day
    of the build is already over does not shift the random draws of all that follow."""
    import datetime
    import random

    from django.utils import timezone

    from kithkin.demo.builder import _session

    now = timezone.now()
    past, future = now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=1)
    earlier = now - datetime.timedelta(days=7)

    def statuses(today_at):
        rng = random.Random(7)
        return [_session(None, 1, 1, when, rng).status for when in (today_at, *[earlier] * 20)]

    assert statuses(past)[1:] == statuses(future)[1:]

import datetime

from django.urls import reverse
from django.utils import timezone

from kithkin.accounts.models import EmergencyAccess
from kithkin.audit.models import AuditEvent

URL = reverse("emergency_access")
REASON = "Carol phoned in crisis and alice is on leave today."


def break_glass(client, **overrides):
    data = {
        "full_name": "Carol Quill",
        "date_of_birth": "1991-02-03",
        "reason": REASON,
        **overrides,
    }
    return client.post(URL, data)


def with_birthday(world):
    world.carol.date_of_birth = datetime.date(1991, 2, 3)
    world.carol.save()


def test_a_colleague_breaks_the_glass_and_reads_the_record_read_only(world, login):
    with_birthday(world)
    bob = login(world.bob)
    assert bob.get(reverse("client_detail", args=[world.carol.pk])).status_code == 404
    response = break_glass(bob)
    assert response.status_code == 302
    page = bob.get(reverse("client_detail", args=[world.carol.pk]))
    assert page.status_code == 200
    assert "emergency access" in page.content.decode()
    # Read-only: he can read, so a change is forbidden rather than hidden.
    assert bob.post(reverse("client_edit", args=[world.carol.pk]), {}).status_code == 403


def test_every_use_is_marked_and_the_reason_is_kept(world, login):
    with_birthday(world)
    bob = login(world.bob)
    break_glass(bob)
    bob.get(reverse("client_detail", args=[world.carol.pk]))
    grant = EmergencyAccess.objects.get()
    assert (grant.user, grant.client, grant.reason) == (world.bob, world.carol, REASON)
    marked = AuditEvent.objects.filter(emergency=True).order_by("seq")
    assert [e.action for e in marked] == ["client.break_glass", "client.view"]
    assert marked[0].reason == f"emergency access grant {grant.pk}"


def test_it_expires(world, login):
    with_birthday(world)
    bob = login(world.bob)
    break_glass(bob)
    EmergencyAccess.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert bob.get(reverse("client_detail", args=[world.carol.pk])).status_code == 404


def test_it_needs_an_exact_match_and_a_real_reason(world, login):
    with_birthday(world)
    bob = login(world.bob)
    assert break_glass(bob, date_of_birth="1991-02-04").status_code == 422
    assert break_glass(bob, full_name="Carol").status_code == 422
    response = break_glass(bob, reason="because")
    assert response.status_code == 422
    assert "at least 20 characters" in response.content.decode()
    assert not EmergencyAccess.objects.exists()
    assert AuditEvent.objects.filter(action="client.break_glass", outcome="denied").count() == 2


def test_it_never_reaches_another_practice(world, login):
    world.eve.date_of_birth = datetime.date(1991, 2, 3)
    world.eve.save()
    response = break_glass(login(world.bob), full_name="Eve Farrow")
    assert response.status_code == 422
    assert not EmergencyAccess.objects.exists()


def test_admins_and_clients_cannot_break_the_glass(world, login):
    with_birthday(world)
    assert break_glass(login(world.adam)).status_code == 403
    assert break_glass(login(world.carol_login)).status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_the_admin_report_lists_each_access_with_its_views(world, login):
    with_birthday(world)
    bob = login(world.bob)
    break_glass(bob)
    for _ in range(3):
        bob.get(reverse("client_detail", args=[world.carol.pk]))
    report = login(world.adam).get(reverse("emergency_access_report"))
    assert report.status_code == 200
    [(grant, views)] = report.context["rows"]
    assert grant.user == world.bob and views == 4  # the grant itself and three views
    assert REASON in report.content.decode()


def test_only_admins_see_the_report(world, login):
    assert login(world.alice).get(reverse("emergency_access_report")).status_code == 403

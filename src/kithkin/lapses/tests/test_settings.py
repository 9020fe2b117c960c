"""The lapse thresholds screen: the practice admin sets how long without an attended session
before a relationship is lapsing, and how much longer before it may close as lapsed; nobody else
does, numbers out of bounds save nothing, and the nightly scan follows what was set."""

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.accounts.models import User
from kithkin.audit.models import AuditEvent
from kithkin.core.lapses import LapseRule
from kithkin.lapses import selectors, services
from kithkin.lapses.models import Lapse, LapseSettings
from kithkin.lapses.settings_services import LapseSettingsError, lapse_settings_set
from kithkin.lapses.tests.conftest import days, quiet_carol

URL = "/practice/settings/lapses/"


@pytest.fixture
def today():
    return timezone.localdate()


def test_the_screen_has_its_address():
    assert reverse("practice_lapse_settings") == URL


def test_the_admin_sees_the_defaults_until_the_practice_sets_its_own(world, login):
    response = login(world.adam).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "42 days</strong> without an attended session" in body
    assert 'name="quiet_days" value="42"' in body and 'name="close_after_days" value="28"' in body


def test_the_admin_sets_the_practice_s_numbers(world, login):
    adam = login(world.adam)
    response = adam.post(URL, {"quiet_days": "60", "close_after_days": "21"})
    assert response.status_code == 302 and response["Location"] == URL
    row = LapseSettings.objects.get(practice=world.practice)
    assert (row.quiet_days, row.close_after_days) == (60, 21)
    assert selectors.rules_for([world.practice.pk])[world.practice.pk] == LapseRule(60, 21)
    body = adam.get(URL).content.decode()
    assert "a relationship is lapsing after 60 days without an attended session" in body


def test_saving_is_audited_without_anything_clinical(world, login):
    login(world.adam).post(URL, {"quiet_days": "60", "close_after_days": "21"})
    event = AuditEvent.objects.get(action="lapse_settings.set")
    assert (event.actor_id, event.resource_type, event.resource_id, event.client_id) == (
        world.adam.pk,
        "Practice",
        str(world.practice.pk),
        None,
    )
    assert event.reason == (
        "lapsing after 60 days without an attended session, closable 21 days after it is "
        "found; were 42 and 28"
    )


def test_saving_the_same_numbers_again_writes_nothing(world, login):
    adam = login(world.adam)
    adam.post(URL, {"quiet_days": "60", "close_after_days": "21"})
    again = adam.post(URL, {"quiet_days": "60", "close_after_days": "21"}, follow=True)
    assert "Nothing changed" in again.content.decode()
    assert AuditEvent.objects.filter(action="lapse_settings.set").count() == 1
    # The defaults, set as such, are no change either.
    LapseSettings.objects.all().delete()
    lapse_settings_set(practice=world.practice, by=world.adam, quiet_days=42, close_after_days=28)
    assert not LapseSettings.objects.exists()


BOUNDS = "Give a number of days from 7 to 365."


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"quiet_days": "6", "close_after_days": "28"}, "quiet_days"),
        ({"quiet_days": "366", "close_after_days": "28"}, "quiet_days"),
        ({"quiet_days": "0", "close_after_days": "28"}, "quiet_days"),
        ({"quiet_days": "-42", "close_after_days": "28"}, "quiet_days"),
        ({"quiet_days": "six weeks", "close_after_days": "28"}, "quiet_days"),
        ({"quiet_days": "", "close_after_days": "28"}, "quiet_days"),
        ({"quiet_days": "42", "close_after_days": "6"}, "close_after_days"),
        ({"quiet_days": "42", "close_after_days": "1000"}, "close_after_days"),
        ({"quiet_days": "42"}, "close_after_days"),
    ],
)
def test_numbers_out_of_bounds_are_refused_beside_the_field_and_nothing_is_saved(
    world, login, data, field
):
    response = login(world.adam).post(URL, data)
    assert response.status_code == 422
    body = response.content.decode()
    assert f'<p class="field-error" id="id_{field}_error" role="alert">{BOUNDS}</p>' in body
    assert not LapseSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="lapse_settings.set").exists()


@pytest.mark.parametrize(
    ("quiet", "close_after", "field"),
    [(6, 28, "quiet_days"), (42, 366, "close_after_days"), (0, 0, "quiet_days")],
)
def test_the_service_refuses_numbers_out_of_bounds(world, quiet, close_after, field):
    with pytest.raises(LapseSettingsError) as refused:
        lapse_settings_set(
            practice=world.practice, by=world.adam, quiet_days=quiet, close_after_days=close_after
        )
    assert refused.value.field == field and str(refused.value) == BOUNDS
    assert not LapseSettings.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["alice", "sam", "carol_login"])
def test_only_the_practice_admin_sets_the_numbers(world, login, who):
    person = login(getattr(world, who))
    assert person.get(URL).status_code == 403
    assert person.post(URL, {"quiet_days": "60", "close_after_days": "21"}).status_code == 403
    assert not LapseSettings.objects.exists()
    refusal = AuditEvent.objects.filter(actor_id=getattr(world, who).pk).last()
    assert (refusal.action, refusal.outcome) == ("practice.manage", "denied")


def test_another_practice_s_admin_sets_only_their_own(world, login):
    mona = User.objects.create_user(
        username="mona", password=None, role=User.Roles.ADMIN, practice=world.elsewhere
    )
    login(mona).post(URL, {"quiet_days": "90", "close_after_days": "30"})
    assert LapseSettings.objects.get().practice == world.elsewhere
    assert selectors.rules_for([world.practice.pk])[world.practice.pk] == LapseRule()


def test_the_nightly_scan_follows_the_numbers_set(world, login, today):
    quiet_carol(world, today, last_seen_days_ago=50)
    login(world.adam).post(URL, {"quiet_days": "60", "close_after_days": "21"})
    assert services.lapses_scan(today=today) == 0  # 50 days is not 60
    assert services.lapses_scan(today=today + days(10)) == 1
    assert Lapse.objects.get().found_on == today + days(10)


def test_a_longer_quiet_takes_a_relationship_off_the_worklist_with_the_reason(world, login, today):
    quiet_carol(world, today, last_seen_days_ago=50)
    assert services.lapses_scan(today=today) == 1
    login(world.adam).post(URL, {"quiet_days": "90", "close_after_days": "28"})
    assert services.lapses_scan(today=today + days(1)) == 1
    assert Lapse.objects.get().resolved_on == today + days(1)
    reason = AuditEvent.objects.get(action="lapse.resolve").reason
    assert reason == (
        f"resolved on {(today + days(1)).isoformat()}: not yet 90 days without an attended session"
    )


def test_the_worklist_shows_the_practice_s_numbers(world, login):
    login(world.adam).post(URL, {"quiet_days": "60", "close_after_days": "21"})
    body = login(world.alice).get(reverse("lapses")).content.decode()
    assert "lapsing after 60 days without an attended session" in body
    assert "may close as lapsed 21 days after it was found" in body
    assert URL not in body  # the admin's screen; a therapist would be refused it


def test_the_screen_reads_in_a_fixed_number_of_queries(world, login, django_assert_num_queries):
    adam = login(world.adam)
    adam.post(URL, {"quiet_days": "60", "close_after_days": "21"})
    adam.get(URL)
    # Session, user, the practice's settings.
    with django_assert_num_queries(3):
        assert adam.get(URL).status_code == 200

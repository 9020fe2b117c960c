"""The nightly scan with a frozen clock (``today=``): it puts a quiet relationship on the
worklist once, takes it off when the client comes back or books, and audits each change."""

import datetime

import pytest

from kithkin.audit.models import AuditEvent
from kithkin.core.lapses import Quiet
from kithkin.lapses import selectors, services, tasks
from kithkin.lapses.models import Lapse, LapseSettings
from kithkin.lapses.tests.conftest import a_session, an_episode, days, quiet_carol
from kithkin.schedule.models import Session

TODAY = datetime.date(2026, 6, 30)


def test_quiet_facts_reads_many_episodes_in_one_query(world, django_assert_num_queries):
    carols = quiet_carol(world, TODAY)
    daves = an_episode(world, world.dave, world.bob, opened_on=TODAY - days(10))
    a_session(world.dave, world.bob, TODAY + days(3), status=Session.Status.SCHEDULED)
    # A session with another therapist is not carol's with alice.
    a_session(world.carol, world.bob, TODAY - days(1))
    # A booking from before today that was never recorded does not count as booked.
    a_session(world.carol, world.alice, TODAY - days(5), status=Session.Status.SCHEDULED)
    episodes = [carols, daves]
    for e in episodes:
        e.relationship  # noqa: B018 (loaded, as the scan's select_related does)
    with django_assert_num_queries(1):
        facts = selectors.quiet_facts(episodes, today=TODAY)
    assert facts[carols.pk] == Quiet(opened_on=TODAY - days(200), last_attended=TODAY - days(60))
    assert facts[daves.pk] == Quiet(opened_on=TODAY - days(10), next_scheduled=TODAY + days(3))


def test_it_finds_a_quiet_relationship_once_and_audits_it(world):
    episode = quiet_carol(world, TODAY)
    assert services.lapses_scan(today=TODAY) == 1
    lapse = Lapse.objects.get()
    assert (lapse.episode, lapse.found_on, lapse.practice) == (episode, TODAY, world.practice)
    event = AuditEvent.objects.get(action="lapse.found")
    assert (event.actor_id, event.resource_id, event.client_id) == (
        None,
        str(lapse.pk),
        world.carol.pk,
    )
    assert event.reason == "found lapsing on 2026-06-30"
    # The next night finds nothing new.
    assert services.lapses_scan(today=TODAY + days(1)) == 0
    assert Lapse.objects.count() == 1
    assert AuditEvent.objects.filter(action="lapse.found").count() == 1


@pytest.mark.parametrize(("seen", "found"), [(41, 0), (42, 1)])
def test_it_waits_for_the_whole_quiet(world, seen, found):
    quiet_carol(world, TODAY, last_seen_days_ago=seen)
    assert services.lapses_scan(today=TODAY) == found
    assert Lapse.objects.count() == found


def test_something_booked_or_a_closed_episode_is_not_lapsing(world):
    quiet_carol(world, TODAY)
    a_session(world.carol, world.alice, TODAY + days(7), status=Session.Status.SCHEDULED)
    an_episode(world, world.dave, world.bob, opened_on=TODAY - days(300), phase="closed")
    assert services.lapses_scan(today=TODAY) == 0
    assert not Lapse.objects.exists()


def test_a_practices_own_settings_lengthen_the_quiet(world):
    LapseSettings.objects.create(practice=world.practice, quiet_days=90, close_after_days=30)
    quiet_carol(world, TODAY)
    assert services.lapses_scan(today=TODAY) == 0
    assert services.lapses_scan(today=TODAY + days(30)) == 1


def test_a_booking_resolves_the_lapse_and_a_new_quiet_opens_it_again(world):
    quiet_carol(world, TODAY)
    services.lapses_scan(today=TODAY)
    booked = a_session(world.carol, world.alice, TODAY + days(5), status=Session.Status.SCHEDULED)
    assert services.lapses_scan(today=TODAY + days(1)) == 1
    lapse = Lapse.objects.get()
    assert lapse.resolved_on == TODAY + days(1)
    assert AuditEvent.objects.get(action="lapse.resolve").reason == (
        "resolved on 2026-07-01: a session is booked for 2026-07-05"
    )
    # She came, then went quiet again: the same row, found anew, the letter to send again.
    booked.status = Session.Status.ATTENDED
    booked.save()
    assert services.lapses_scan(today=TODAY + days(20)) == 0
    assert services.lapses_scan(today=TODAY + days(47)) == 1
    lapse.refresh_from_db()
    assert (lapse.found_on, lapse.resolved_on, lapse.letter_sent_on) == (
        TODAY + days(47),
        None,
        None,
    )
    assert AuditEvent.objects.filter(action="lapse.found").count() == 2


def test_an_attended_session_after_it_was_found_resolves_it(world):
    quiet_carol(world, TODAY)
    services.lapses_scan(today=TODAY)
    a_session(world.carol, world.alice, TODAY + days(2))
    assert services.lapses_scan(today=TODAY + days(3)) == 1
    assert Lapse.objects.get().resolved_on == TODAY + days(3)
    assert "a session was attended on 2026-07-02" in (
        AuditEvent.objects.get(action="lapse.resolve").reason
    )


def test_an_episode_closed_some_other_way_comes_off_the_worklist(world):
    episode = quiet_carol(world, TODAY)
    services.lapses_scan(today=TODAY)
    from kithkin.relationships.services import episode_transition

    episode_transition(episode=episode, by=world.alice, to="closed", ending_type="client_ended")
    assert services.lapses_scan(today=TODAY + days(1)) == 1
    assert Lapse.objects.get().resolved_on == TODAY + days(1)
    assert "the episode was closed" in AuditEvent.objects.get(action="lapse.resolve").reason


def test_each_practice_is_scanned_with_its_own_episodes(world):
    quiet_carol(world, TODAY)
    an_episode(world, world.eve, world.mallory, opened_on=TODAY - days(100))
    assert services.lapses_scan(today=TODAY) == 2
    assert {lapse.practice_id for lapse in Lapse.objects.all()} == {
        world.practice.pk,
        world.elsewhere.pk,
    }
    events = AuditEvent.objects.filter(action="lapse.found")
    assert {e.practice_id for e in events} == {world.practice.pk, world.elsewhere.pk}


def test_the_periodic_task_runs_the_scan(world):
    from django.utils import timezone

    quiet_carol(world, timezone.localdate())
    tasks.lapses_nightly_scan.call_local()
    assert Lapse.objects.get().found_on == timezone.localdate()

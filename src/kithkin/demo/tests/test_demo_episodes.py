from django.db import transaction
from django.utils import timezone

from kithkin.accounts.models import User
from kithkin.clients.models import Client
from kithkin.core.episodes import EpisodeState, transition
from kithkin.demo.builder import load_demo
from kithkin.relationships.models import Episode, EpisodeTransition


def test_alexis_is_in_active_work_with_her_history_dated_over_the_past_months(db):
    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    [episode] = Episode.objects.filter(relationship__client=alexis)
    assert episode.phase == "active" and episode.opened_by.username == "alice"
    rows = list(episode.transitions.order_by("at"))
    assert [(r.from_phase, r.to_phase) for r in rows] == [
        ("", "reaching_out"),
        ("reaching_out", "assessment"),
        ("assessment", "formulation"),
        ("formulation", "planning"),
        ("planning", "active"),
    ]
    assert (rows[-1].at - rows[0].at).days >= 45
    assert rows[-1].at < timezone.now()


def test_every_demo_history_is_one_the_phase_rules_accept(db):
    load_demo(password="a demo passphrase")
    episodes = Episode.objects.prefetch_related("transitions")
    assert episodes.count() >= 8
    for episode in episodes:
        rows = sorted(episode.transitions.all(), key=lambda r: (r.at, r.pk))
        assert rows[0].from_phase == "" and rows[0].to_phase == "reaching_out"
        state = EpisodeState()
        for row in rows[1:]:
            assert row.from_phase == state.phase
            state = transition(state, row.to_phase, reason=row.reason, ending_type=row.ending_type)
        assert state == episode.state
        assert rows[-1].at.date() <= timezone.localdate()
        assert episode.opened_on >= episode.relationship.started_on


def test_the_demo_has_a_returning_client_and_endings_of_both_kinds(db):
    load_demo(password="a demo passphrase")
    closed = Episode.objects.filter(phase="closed")
    assert set(closed.values_list("ending_type", flat=True)) == {"planned", "lapsed"}
    returning = [e for e in closed if e.relationship.episodes.count() == 2]
    [first] = returning
    second = first.relationship.episodes.exclude(pk=first.pk).get()
    assert second.is_open and second.opened_on > first.closed_on
    phases = set(Episode.objects.values_list("phase", flat=True))
    assert phases >= {"assessment", "formulation", "planning", "active", "ending", "closed"}


def test_the_demo_episodes_are_deterministic(db):
    def one_run():
        with transaction.atomic():
            load_demo(password="a demo passphrase")
            rows = list(
                EpisodeTransition.objects.order_by("pk").values_list(
                    "episode__relationship__client__email", "to_phase", "at"
                )
            )
            transaction.set_rollback(True)
        return rows

    assert one_run() == one_run()


def test_alice_sees_alexis_s_timeline(db, client):
    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    client.force_login(User.objects.get(username="alice"))
    body = client.get(f"/clients/{alexis.pk}/timeline/").content.decode()
    assert "Episode 1 with Alice Marlowe" in body
    assert "Moved from planning to active work" in body
    assert "Plan agreed with Alexis" in body

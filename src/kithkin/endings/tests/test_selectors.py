"""The facts an ending review is drafted from, read from the record in a fixed number of
queries, and the draft the demo's Alexis would get."""

import datetime

import pytest
from django.utils import timezone

from kithkin.core.disclosure import INSIDE, Audience
from kithkin.core.ending_review import Shift, draft
from kithkin.core.episodes import Phase
from kithkin.core.plans import Achievement
from kithkin.endings.selectors import facts_for
from kithkin.endings.tests.conftest import D

pytestmark = pytest.mark.django_db


def test_it_reads_the_journey_from_the_transitions(ending):
    facts = facts_for(ending.episode, today=ending.today)
    assert facts.episode.opened_on == D(2026, 3, 1)
    assert [c.phase for c in facts.episode.changes] == [
        Phase.ASSESSMENT,
        Phase.FORMULATION,
        Phase.PLANNING,
        Phase.ACTIVE,
        Phase.ENDING,
    ]
    assert facts.episode.changes[-1].on == D(2026, 11, 2)
    assert facts.episode.ending_type is None


def test_it_counts_the_sessions_of_the_episode_by_kind_and_status(ending):
    facts = facts_for(ending.episode, today=ending.today)
    tallies = {t.kind: t for t in facts.sessions}
    assert tallies["joint"].attended == 1
    assert tallies["individual"].attended == 3
    assert tallies["individual"].missed == 1


def test_sessions_before_the_episode_opened_are_not_its_own(ending):
    ending.session.starts_at = datetime.datetime(2026, 2, 1, 15, tzinfo=datetime.UTC)
    ending.session.save()
    tallies = {t.kind for t in facts_for(ending.episode, today=ending.today).sessions}
    assert "joint" not in tallies


def test_it_reads_the_goals_of_the_latest_signed_version(ending):
    facts = facts_for(ending.episode, today=ending.today)
    assert [(g.number, g.description) for g in facts.goals] == [(1, "Sleep through the week")]
    assert facts.goals[0].achievement is Achievement.IN_PROGRESS


def test_a_draft_plan_gives_no_goals(record):
    record.episode.phase = "ending"
    record.episode.save()
    assert facts_for(record.episode, today=timezone.localdate()).goals == ()


def test_it_reads_each_measure_first_to_last_by_session(ending):
    facts = facts_for(ending.episode, today=ending.today)
    by_code = {m.code: m for m in facts.measures}
    assert [(p.session, p.total) for p in by_code["gad7"].points] == [(2, 11), (3, 5), (4, 5)]
    # Both PHQ-9s fall after the last attended session: the later one stands for it.
    assert [(p.session, p.total) for p in by_code["phq9"].points] == [(4, 5)]
    assert [p.total for p in facts.alliance.points] == [54, 63, 81]
    assert facts.alliance.cutoff == 72
    assert facts.alliance.validated is False


def test_it_compares_the_first_and_latest_finished_maps(ending):
    facts = facts_for(ending.episode, today=ending.today)
    assert [m.made_on for m in facts.maps] == [D(2026, 3, 2), D(2026, 10, 26)]
    review = draft(facts)
    shifts = {c.label: c.shift for c in review.relationships.changes}
    assert shifts == {"Maria Quill": Shift.FURTHER, "Diane": Shift.CLOSER}


def test_a_draft_map_is_never_read(ending):
    from kithkin.spheres.models import SphereMap

    SphereMap.objects.filter(taken_at__date=D(2026, 10, 26)).update(status="draft")
    assert len(facts_for(ending.episode, today=ending.today).maps) == 1


def test_it_reads_partner_plans_and_a_view_of_every_person(ending):
    facts = facts_for(ending.episode, today=ending.today)
    assert {a.text for a in facts.partner_actions} == {
        "Ask Maria to a joint session",
        "Talk to Diane about the bills",
    }
    views = {p.label: p.involvement for p in facts.people}
    assert views == {"Diane": "unaware", "Maria Quill": "joint_sessions"}


def test_it_reads_a_referral_out_of_the_episode(ending):
    from kithkin.referrals.models import Referral
    from kithkin.referrals.tests.conftest import external

    referral = external(ending)
    Referral.objects.filter(pk=referral.pk).update(episode=ending.episode)
    facts = facts_for(ending.episode, today=ending.today)
    assert facts.referral.to == referral.recipient_label
    assert draft(facts).referral.to == referral.recipient_label


def test_the_facts_take_a_fixed_number_of_queries(ending, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        facts_for(ending.episode, today=ending.today)
    for n in range(20):
        from kithkin.schedule.models import Session

        Session.objects.create(
            practice=ending.practice,
            client=ending.carol,
            therapist=ending.alice,
            starts_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
            + datetime.timedelta(days=n),
            status="attended",
        )
    with django_assert_max_num_queries(12):
        facts_for(ending.episode, today=ending.today)


def test_outside_the_practice_the_draft_never_names_diane(ending):
    facts = facts_for(ending.episode, today=ending.today)
    assert "Diane" in "\n".join(draft(facts).texts())
    for audience in Audience:
        if audience in INSIDE:
            continue
        text = "\n".join(draft(facts, audience=audience).texts())
        assert "Diane" not in text, audience
        assert "roommate" not in text, audience
        assert "Maria Quill" in text


def test_the_demo_alexis_draft_names_her_mother_and_outside_never_diane(db):
    from kithkin.clients.models import Client
    from kithkin.demo.builder import load_demo

    load_demo(password="demo-password-1")
    alexis = Client.objects.get(given_name="Alexis")
    episode = alexis.therapy_relationships.get().episodes.get()
    facts = facts_for(episode, today=timezone.localdate())
    internal = "\n".join(draft(facts).texts())
    assert "Mother" in internal
    assert "Diane" in internal
    for audience in Audience:
        if audience in INSIDE:
            continue
        text = "\n".join(draft(facts, audience=audience).texts())
        assert "Mother" in text, audience
        assert "Diane" not in text, audience

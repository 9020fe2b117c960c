"""Writes about lapsing relationships (seed 004: many endings happen by voicemail, or by
silence). The nightly scan finds the quiet ones; the therapist invites the client to an ending
session; only after a further wait may the episode close as lapsed, with a short review.

Each write is atomic and writes its audit event in the same transaction. The audit reason is
stored in clear, so it carries dates and pointers, never the letter note or the review."""

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.core.episodes import EndingType, Phase
from kithkin.core.lapses import is_lapsing, why_not_close
from kithkin.lapses import selectors
from kithkin.lapses.models import Lapse
from kithkin.relationships.models import Episode
from kithkin.relationships.services import episode_transition


class LapseError(ValueError):
    """A request the lapse record cannot take, with the reasons fit for the therapist."""

    def __init__(self, reasons: list[str] | str):
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__(" ".join(self.reasons))


def _audit(lapse: Lapse, actor, action: str, reason: str, ip: str | None = None) -> None:
    audit_record(
        practice_id=lapse.practice_id,
        actor=actor,
        action=action,
        resource_type="Lapse",
        resource_id=lapse.pk,
        client_id=lapse.episode.relationship.client_id,
        reason=reason,
        ip=ip,
    )


def lapses_scan(*, today: datetime.date | None = None) -> int:
    """Puts every open episode that has gone quiet on its therapist's worklist, and takes off
    those whose client came back or booked. A system job: the events name no actor. Each
    practice is its own transaction, so one practice's failure holds back no other's worklist.
    Returns how many lapses were found or resolved."""
    today = today or timezone.localdate()
    by_practice: dict[int, list[Episode]] = defaultdict(list)
    for episode in selectors.open_episodes():
        by_practice[episode.practice_id].append(episode)
    # Lapses still open whose episode closed some other way are resolved too.
    stale = defaultdict(list)
    for lapse in selectors.open_lapses().values():
        by_practice.setdefault(lapse.practice_id, [])
        stale[lapse.practice_id].append(lapse)
    rules = selectors.rules_for(by_practice)
    changed = 0
    for practice_id, episodes in by_practice.items():
        changed += _scan_practice(
            episodes=episodes, lapses=stale[practice_id], rule=rules[practice_id], today=today
        )
    return changed


@transaction.atomic
def _scan_practice(*, episodes, lapses, rule, today) -> int:
    facts = selectors.quiet_facts(episodes, today=today)
    open_by_episode = {lapse.episode_id: lapse for lapse in lapses}
    changed = 0
    for episode in episodes:
        if episode.pk in open_by_episode:
            continue
        if is_lapsing(facts[episode.pk], today=today, rule=rule):
            lapse = _found(episode, today)
            if lapse is not None:
                changed += 1
    # Facts for the lapses' episodes that closed since (they are no longer in ``episodes``).
    missing = [lapse.episode for lapse in lapses if lapse.episode_id not in facts]
    facts.update(selectors.quiet_facts(missing, today=today))
    for lapse in lapses:
        quiet = facts[lapse.episode_id]
        came_back = quiet.last_attended is not None and quiet.last_attended > lapse.found_on
        if came_back or not is_lapsing(quiet, today=today, rule=rule):
            Lapse.objects.filter(pk=lapse.pk).update(resolved_on=today)
            if quiet.closed:
                why = "the episode was closed"
            elif quiet.next_scheduled is not None and quiet.next_scheduled >= today:
                why = f"a session is booked for {quiet.next_scheduled.isoformat()}"
            elif came_back:
                why = f"a session was attended on {quiet.last_attended}"
            else:
                # The practice lengthened its quiet days (lapses.settings_services) since.
                why = f"not yet {rule.quiet_days} days without an attended session"
            _audit(lapse, None, "lapse.resolve", f"resolved on {today}: {why}")
            changed += 1
    return changed


def _found(episode: Episode, today: datetime.date) -> Lapse | None:
    lapse, created = Lapse.objects.get_or_create(
        episode=episode, defaults={"practice_id": episode.practice_id, "found_on": today}
    )
    if not created:
        if lapse.closed_on is not None:
            return None
        # Quiet again after coming back: the invitation and the wait start over.
        lapse.found_on = today
        lapse.resolved_on = None
        lapse.letter_sent_on = None
        lapse.letter_note = ""
        lapse.save(update_fields=["found_on", "resolved_on", "letter_sent_on", "letter_note"])
    lapse.episode = episode
    _audit(lapse, None, "lapse.found", f"found lapsing on {today}")
    return lapse


@transaction.atomic
def lapse_letter_record(
    *,
    episode: Episode,
    by,
    sent_on: datetime.date,
    note: str = "",
    ip: str | None = None,
) -> Lapse:
    """Records that the invitation to an ending session was sent, on which day and how."""
    lapse = Lapse.objects.select_for_update().filter(episode=episode).first()
    if lapse is None or not lapse.is_open:
        raise LapseError("This relationship is not on the lapse worklist: no letter is due.")
    if sent_on > timezone.localdate():
        raise LapseError("A letter cannot have been sent in the future.")
    if sent_on < lapse.found_on:
        raise LapseError(
            f"The relationship was found lapsing on {lapse.found_on.isoformat()}; the letter "
            "for it was sent on that day or later."
        )
    lapse.letter_sent_on = sent_on
    lapse.letter_note = note.strip()
    lapse.save(update_fields=["letter_sent_on", "letter_note"])
    lapse.episode = episode
    _audit(lapse, by, "lapse.letter", f"invitation sent on {sent_on.isoformat()}", ip)
    return lapse


@transaction.atomic
def lapse_close(
    *,
    episode: Episode,
    by,
    short_review: str,
    today: datetime.date | None = None,
    ip: str | None = None,
) -> Lapse:
    """Closes the episode as lapsed, with the short review, once the core rule allows it.
    Refuses with the rule's reasons (a :class:`LapseError`) and writes nothing otherwise."""
    today = today or timezone.localdate()
    review = short_review.strip()
    if not review:
        raise LapseError(
            "Write a short review, even without the client: what the work was, and what it "
            "might have needed."
        )
    locked = Episode.objects.select_for_update().select_related("relationship").get(pk=episode.pk)
    lapse = Lapse.objects.select_for_update().filter(episode=locked).first()
    facts = selectors.quiet_facts([locked], today=today)[locked.pk]
    rule = selectors.rules_for([locked.practice_id])[locked.practice_id]
    found_on = lapse.found_on if lapse is not None and lapse.is_open else None
    reasons = why_not_close(facts, found_on=found_on, today=today, rule=rule)
    if reasons:
        raise LapseError(reasons)
    letter = (
        f"invitation sent on {lapse.letter_sent_on.isoformat()}"
        if lapse.letter_sent_on
        else "no invitation recorded"
    )
    episode_transition(
        episode=locked,
        by=by,
        to=Phase.CLOSED,
        ending_type=EndingType.LAPSED,
        reason=f"Lapsed: quiet since {facts.last_attended or facts.opened_on}; {letter}.",
        ip=ip,
    )
    lapse.closed_on = today
    lapse.closed_by = by
    lapse.short_review = review
    lapse.save(update_fields=["closed_on", "closed_by", "short_review"])
    lapse.episode = locked
    _audit(lapse, by, "lapse.close", f"closed as lapsed on {today}; {letter}", ip)
    return lapse

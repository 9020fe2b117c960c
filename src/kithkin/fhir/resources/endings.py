"""The ending review, "the road travelled" (seed 003), as a Composition: LOINC 78263-1, the
mental health discharge summary note, with one section per part of the review.

The builder is given the review's draft already assembled and guarded for the audience it
leaves for (``endings.selectors.review_draft``, the draft the client's PDF prints), so nothing
here decides who may be named: a person the disclosure guard withholds is not in the draft's
texts, and not among its people, so no section names or refers to them. The release guard
(``kithkin.fhir.release``) checks the Composition again on its way out.
"""

import html
from collections.abc import Iterable
from dataclasses import dataclass

from fhir.resources.R4B.composition import Composition

from kithkin.fhir import codes
from kithkin.fhir.resources._common import concept, day, instant, prune, ref
from kithkin.fhir.valid import builds

MENTAL_HEALTH_DISCHARGE_SUMMARY = "78263-1"
_TYPE = concept(
    codes.LOINC, MENTAL_HEALTH_DISCHARGE_SUMMARY, "Mental health Discharge summary note"
)
TITLE = "The road travelled"


@dataclass(frozen=True)
class Sources:
    """The records a section's narrative was drafted from, by id, for its ``entry`` list."""

    goals: tuple[int, ...] = ()
    observations: tuple[int, ...] = ()
    referral: int | None = None  # the ServiceRequest of the referral the review reports


def _paragraph(text: str) -> str:
    # Escaped here, after the draft's guard replaced any withheld name; a line break the
    # therapist typed stays a line break.
    lines = text.replace("\r\n", "\n").strip().split("\n")
    lines = (html.escape(line, quote=False) for line in lines)
    return f"<p>{'<br/>'.join(lines)}</p>"


def _list(tag: str, items: Iterable[str]) -> str:
    items = [f"<li>{html.escape(item, quote=False)}</li>" for item in items if item]
    return f"<{tag}>{''.join(items)}</{tag}>" if items else ""


def _narrative(parts: Iterable[str], *, written: bool) -> dict:
    """``written``: the therapist's and client's own words ("additional"), not text generated
    from the record's structured data."""
    body = "".join(parts)
    return {
        "status": "additional" if written else "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>',
    }


def _section(title: str, parts, *, entries=(), written=False, sections=()) -> dict:
    return prune(
        {
            "title": title,
            "text": _narrative(parts, written=written),
            "entry": list(entries),
            "section": list(sections),
        }
    )


def _paragraphs(texts: Iterable[str]) -> list[str]:
    return [_paragraph(text) for text in texts if text and text.strip()]


def _people(review) -> list[dict]:
    """The people the relationships section speaks of, once each, in order: only those the
    draft kept for this audience."""
    rel = review.relationships
    seen: dict[int, None] = {}
    for person_id in [c.person_id for c in rel.changes] + [p.person_id for p in rel.partner_plans]:
        seen.setdefault(person_id)
    return [ref("RelatedPerson", pk) for pk in seen]


def _sections(review, *, episode_id: int, sources: Sources) -> list[dict]:
    work, progress, rel = review.work_done, review.progress, review.relationships
    sections = [
        _section(
            "The journey",
            _paragraphs(review.journey.sentences),
            entries=[ref("EpisodeOfCare", episode_id)],
        ),
        _section(
            "The work done",
            [_paragraph(work.summary), _list("ol", (g.text for g in work.goals))],
            entries=[ref("Goal", pk) for pk in sources.goals],
            # The themes are the therapist's, written with the client, never drafted.
            sections=[_section("Themes", _paragraphs(work.themes), written=True)]
            if work.themes
            else [],
        ),
        _section(
            "The progress made",
            _paragraphs(
                [
                    progress.summary,
                    *(m.text for m in progress.measures),
                    progress.overall,
                    progress.alliance.text,
                ]
            ),
            entries=[ref("Observation", pk) for pk in sources.observations],
        ),
        _section(
            "The relationships",
            [_paragraph(rel.summary), _list("ul", (c.text for c in rel.changes))],
            entries=_people(review),
            sections=[
                _section(
                    "What became of the plans with therapy partners",
                    [_list("ul", (p.text for p in rel.partner_plans))],
                )
            ]
            if rel.partner_plans
            else [],
        ),
        _section("Plans for future growth", _paragraphs(review.future_growth), written=True),
        _section(
            "The open door",
            _paragraphs(review.open_door.replace("\r\n", "\n").split("\n\n")),
            written=True,
        ),
    ]
    if review.referral is not None:
        sections.append(
            _section(
                "Referral",
                [_paragraph(review.referral.text)],
                entries=[ref("ServiceRequest", sources.referral)] if sources.referral else [],
            )
        )
    return sections


@builds(Composition)
def ending_review(record, review, *, episode, sources: Sources = Sources()) -> dict:
    """``record`` is the signed EndingReview row, ``review`` its core ``Draft`` guarded for
    the audience (``endings.selectors.review_draft``), ``episode`` the Episode it ends.

    Final, because only a signed review is a record: a draft is still being written with the
    client. The signing therapist is its author and its legal attester."""
    if record.signed_at is None:
        raise ValueError("Only a signed ending review is a Composition.")
    relationship = episode.relationship
    return {
        "id": str(record.pk),
        "status": "final",
        "type": _TYPE,
        "subject": ref("Patient", relationship.client_id),
        "date": instant(record.signed_at),
        "author": [ref("Practitioner", record.signed_by_id)],
        "title": TITLE,
        # Restricted: mental health information, shared on a need-to-know basis.
        "confidentiality": "R",
        "attester": [
            {
                "mode": "legal",
                "time": instant(record.signed_at),
                "party": ref("Practitioner", record.signed_by_id),
            }
        ],
        "event": [
            {
                "period": prune({"start": day(episode.opened_on), "end": day(episode.closed_on)}),
                "detail": [ref("EpisodeOfCare", episode.pk)],
            }
        ],
        "section": _sections(review, episode_id=episode.pk, sources=sources),
    }

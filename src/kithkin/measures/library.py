"""Writes for a practice's licensed instruments: loading one from the practice's own definition
file, and retiring it.

Kithkin ships no copyrighted items. A practice that holds a licence for the SRS, the ORS, the
WAI-SR or any other measure writes the definition from its licensed copy
(docs/instruments/format.md) and loads it here; the practice, not Kithkin, answers for the
licence, so loading asks what licence it holds and keeps the answer beside the file.

The file's exact text is kept with its SHA-256, so every response scored with it can be traced
to the words and rules the client saw. A definition is never edited: a new version is a new row,
and loading it retires the one before. Audit reasons carry the code, the version and the
SHA-256, never the file's text (licensed wording has no place in the audit trail).
"""

import hashlib

from django.db import transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.core.instruments import SHIPPED, InstrumentError, read_instrument, shipped_instruments
from kithkin.measures.models import PracticeInstrument
from kithkin.measures.services import MeasuresError
from kithkin.practices.models import Practice

# Far above any questionnaire (the made-up example is 4 KB, PHQ-9's file 5 KB): a file this size
# is the wrong file, and a practice's pages parse every live definition.
MAX_DEFINITION_BYTES = 256 * 1024
# The model's columns; the core's format does not bound them.
MAX_TITLE = PracticeInstrument._meta.get_field("title").max_length
MAX_VERSION = PracticeInstrument._meta.get_field("version").max_length


class LibraryError(MeasuresError):
    """A definition file or a licence the practice's library refuses; ``field`` is the form
    field it concerns (``definition`` or ``licence``)."""


def definition_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text_of(data: str | bytes) -> str:
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8"))
    if size > MAX_DEFINITION_BYTES:
        raise LibraryError(
            f"The file is larger than {MAX_DEFINITION_BYTES // 1024} KB, the most a definition "
            "may be. Is it the right file?",
            field="definition",
        )
    if isinstance(data, str):
        return data
    try:
        # utf-8-sig: a file saved by Windows Notepad starts with a byte-order mark.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LibraryError(
            "The file is not UTF-8 text. Save the definition as UTF-8 and load it again.",
            field="definition",
        ) from None


def _checked(text: str):
    try:
        instrument = read_instrument(text)
    except InstrumentError as error:
        # The core names the key at fault; its words are the ones to show.
        raise LibraryError(str(error), field="definition") from None
    if instrument.code in SHIPPED:
        shipped = shipped_instruments()[instrument.code]
        raise LibraryError(
            f"The code {instrument.code!r} is {shipped.short_title}'s, which Kithkin ships: a "
            "practice cannot replace a shipped instrument. Give your definition a code of its "
            "own.",
            field="definition",
        )
    if len(instrument.title) > MAX_TITLE:
        raise LibraryError(
            f"'title' is {len(instrument.title)} characters long; at most {MAX_TITLE} fit.",
            field="definition",
        )
    if len(instrument.version) > MAX_VERSION:
        raise LibraryError(
            f"'version' is {len(instrument.version)} characters long; at most {MAX_VERSION} fit.",
            field="definition",
        )
    return instrument


def _on(moment) -> str:
    day = timezone.localdate(moment)
    return f"{day.day} {day:%b %Y}"


def _audit(*, by, action: str, row: PracticeInstrument, reason: str, ip: str | None) -> None:
    audit_record(
        practice_id=row.practice_id,
        actor=by,
        action=action,
        resource_type="PracticeInstrument",
        resource_id=row.pk,
        # The practice's library, not any client's record.
        client_id=None,
        reason=f"{row.code} {row.version} (sha256 {row.sha256}) {reason}",
        ip=ip,
    )


def _retire(row: PracticeInstrument, *, by, now, reason: str, ip: str | None) -> None:
    row.retired_by = by
    row.retired_at = now
    row.save(update_fields=["retired_by", "retired_at"])
    _audit(by=by, action="measures.instrument.retire", row=row, reason=reason, ip=ip)


@transaction.atomic
def instrument_load(
    *, practice: Practice, text: str | bytes, licence: str, by, ip: str | None = None
) -> PracticeInstrument:
    """Checks a definition file from end to end and adds it to the practice's questionnaires.
    A new version of a live code retires the one before, in the same transaction. Anything
    refused raises LibraryError and stores nothing."""
    licence = (licence or "").strip()
    if not licence:
        raise LibraryError(
            "Say what licence the practice holds for this instrument: who granted it, its "
            "number, and until when.",
            field="licence",
        )
    text = _text_of(text)
    instrument = _checked(text)
    # The practice row is the lock the library's writes take turns on: of two loads at once,
    # the second sees the first's row instead of failing on the unique constraint.
    Practice.objects.select_for_update().filter(pk=practice.pk).first()
    rows = PracticeInstrument.objects.filter(practice=practice, code=instrument.code)
    same = rows.filter(version=instrument.version).select_related("loaded_by").first()
    if same is not None:
        # A version is loaded once, retired or not: two files under one version would leave
        # its responses traceable to either.
        again = " and retired since" if same.retired_at is not None else ""
        raise LibraryError(
            f"Version {same.version} of {instrument.code} was already loaded on "
            f"{_on(same.loaded_at)} by {same.loaded_by.display_name}{again}. A definition "
            "loaded again, changed or not, needs a new 'version'.",
            field="definition",
        )
    now = timezone.now()
    sha256 = definition_sha256(text)
    live = rows.filter(retired_at__isnull=True).first()
    if live is not None:
        _retire(live, by=by, now=now, reason=f"retired: replaced by {instrument.version}", ip=ip)
    row = PracticeInstrument.objects.create(
        practice=practice,
        code=instrument.code,
        version=instrument.version,
        title=instrument.title,
        definition=text,
        sha256=sha256,
        licence=licence,
        loaded_by=by,
        loaded_at=now,
    )
    replaced = f", replacing {live.version}" if live is not None else ""
    _audit(by=by, action="measures.instrument.load", row=row, reason=f"loaded{replaced}", ip=ip)
    return row


@transaction.atomic
def instrument_retire(
    *, practice_instrument: PracticeInstrument, by, ip: str | None = None
) -> PracticeInstrument:
    """Stops a loaded instrument taking new responses. The responses already given keep their
    scores, and the definition stays, so they can still be shown and traced."""
    # The same lock as loading, so a retire and a load that replaces the same row take turns.
    Practice.objects.select_for_update().filter(pk=practice_instrument.practice_id).first()
    row = PracticeInstrument.objects.select_related("retired_by").get(pk=practice_instrument.pk)
    if row.retired_at is not None:
        raise LibraryError(
            f"Version {row.version} of {row.code} was already retired on "
            f"{_on(row.retired_at)} by {row.retired_by.display_name}."
        )
    _retire(row, by=by, now=timezone.now(), reason="retired", ip=ip)
    return row

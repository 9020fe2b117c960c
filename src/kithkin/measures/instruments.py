"""The instruments a practice uses: the shipped definitions, with the practice's own alliance
cut-off in place of the default, the licensed ones the practice loaded from its own definition
files (``kithkin.measures.library``), and the alert settings that go with them."""

import hashlib
from collections.abc import Mapping

from kithkin.core.alerts import AlertSettings
from kithkin.core.instruments import (
    Instrument,
    InstrumentError,
    read_instrument,
    shipped_instruments,
    with_cutoff,
)
from kithkin.measures.models import PracticeInstrument

ALLIANCE = "alliance"
PHQ9 = "phq9"
GAD7 = "gad7"

# Parsed definitions by the SHA-256 of their text. A stored definition never changes (a new
# version is a new row), so a page reads the rows but does not parse the JSON again; the cap
# keeps a long-running process from holding every definition it ever saw.
_PARSED: dict[str, Instrument] = {}
_PARSED_MAX = 256


def shipped_for(practice) -> dict[str, Instrument]:
    """The instruments Kithkin ships, with the practice's alliance cut-off. No query."""
    shipped = dict(shipped_instruments())
    if practice.alliance_cutoff is not None:
        shipped[ALLIANCE] = with_cutoff(shipped[ALLIANCE], practice.alliance_cutoff)
    return shipped


def instruments_for(practice) -> Mapping[str, Instrument]:
    """The questionnaires that take responses now: the shipped ones, then the practice's live
    loaded ones by code. One query. A retired definition is not here, so nothing new can be
    entered, sent or scored with it."""
    instruments = shipped_for(practice)
    live = PracticeInstrument.objects.filter(practice=practice, retired_at__isnull=True)
    for text in live.values_list("definition", flat=True):
        instrument = parsed(text)
        # Loading refuses a shipped code; should a later Kithkin ship one a practice already
        # loaded, the shipped definition wins rather than two answering to one name.
        instruments.setdefault(instrument.code, instrument)
    return instruments


def instruments_on_record(practice) -> Mapping[tuple[str, str], Instrument]:
    """Every definition the practice's responses can have been scored with, by code and
    version: the shipped ones and every definition the practice loaded, retired ones included.
    For showing responses already given, never for taking new ones. One query."""
    on_record = {(i.code, i.version): i for i in shipped_for(practice).values()}
    rows = PracticeInstrument.objects.filter(practice=practice).values_list("definition", flat=True)
    for text in rows:
        instrument = parsed(text)
        on_record.setdefault((instrument.code, instrument.version), instrument)
    return on_record


def parsed(text: str) -> Instrument:
    """A stored definition, parsed once per process. It was checked when it was loaded."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    instrument = _PARSED.get(digest)
    if instrument is None:
        instrument = read_instrument(text)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[digest] = instrument
    return instrument


def instrument_for(practice, code: str) -> Instrument:
    instruments = instruments_for(practice)
    try:
        return instruments[code]
    except KeyError:
        pass
    listed = ", ".join(i.short_title for i in instruments.values())
    retired = (
        PracticeInstrument.objects.filter(practice=practice, code=code)
        .values_list("title", flat=True)
        .first()
    )
    if retired is not None:
        raise InstrumentError(
            f"{retired} ({code!r}) was retired by the practice and takes no new responses. "
            f"The questionnaires are: {listed}."
        )
    raise InstrumentError(
        f"There is no questionnaire called {code!r}. The questionnaires are: {listed}."
    )


def alert_settings_for(practice) -> AlertSettings:
    # The alert rules read the alliance as an item mean (0-10), the definition's cut-off is on
    # the total (0-90): dividing by the item count makes both speak of one line (72 -> 8.0).
    alliance = shipped_for(practice)[ALLIANCE]
    return AlertSettings(low_alliance=alliance.cutoff.value / scored_items(alliance))


def scored_items(instrument: Instrument) -> int:
    return sum(1 for item in instrument.items if item.scored)


def alliance_mean(instrument: Instrument, total: int | None) -> float | None:
    return None if total is None else total / scored_items(instrument)

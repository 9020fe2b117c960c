"""The instruments a practice uses: the shipped definitions, with the practice's own alliance
cut-off in place of the default, and the alert settings that go with them."""

from collections.abc import Mapping

from kithkin.core.alerts import AlertSettings
from kithkin.core.instruments import Instrument, InstrumentError, shipped_instruments, with_cutoff

ALLIANCE = "alliance"
PHQ9 = "phq9"
GAD7 = "gad7"


def instruments_for(practice) -> Mapping[str, Instrument]:
    shipped = dict(shipped_instruments())
    if practice.alliance_cutoff is not None:
        shipped[ALLIANCE] = with_cutoff(shipped[ALLIANCE], practice.alliance_cutoff)
    return shipped


def instrument_for(practice, code: str) -> Instrument:
    try:
        return instruments_for(practice)[code]
    except KeyError:
        raise InstrumentError(
            f"There is no questionnaire called {code!r}. The questionnaires are: "
            f"{', '.join(i.short_title for i in instruments_for(practice).values())}."
        ) from None


def alert_settings_for(practice) -> AlertSettings:
    # The alert rules read the alliance as an item mean (0-10), the definition's cut-off is on
    # the total (0-90): dividing by the item count makes both speak of one line (72 -> 8.0).
    alliance = instruments_for(practice)[ALLIANCE]
    return AlertSettings(low_alliance=alliance.cutoff.value / scored_items(alliance))


def scored_items(instrument: Instrument) -> int:
    return sum(1 for item in instrument.items if item.scored)


def alliance_mean(instrument: Instrument, total: int | None) -> float | None:
    return None if total is None else total / scored_items(instrument)

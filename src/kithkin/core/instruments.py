"""Questionnaires as data: the definition of an instrument, the checks a definition must pass, and
the scoring of one response.

An instrument is a data file (``data/instruments/*.json``, format in docs/instruments/format.md),
not code, so that a practice holding a licence for a copyrighted measure (SRS, ORS, WAI-SR) can
load its own definition and Kithkin never ships the items. PHQ-9 and GAD-7 are free to use
without permission and ship with Kithkin, as does Kithkin's own alliance check-in, which is
labelled as a reflective tool because it has never been validated.

Two rules shape the scoring. A total is given only when every required item is answered: a
blank is not a 0, and a lower number standing in for an incomplete response would understate
the client's distress. And alert rules look at single items whatever the total and whether or
not the response is complete, because PHQ-9 item 9 (thoughts of self-harm) asks for a same-day
review on its own (Kroenke, Spitzer & Williams 2001).
"""

import functools
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import NoReturn


class InstrumentError(ValueError):
    """A definition or a response Kithkin cannot take, in words fit for the therapist.

    ``key`` is the path of the offending key in a definition file (``items[2].answers``);
    ``item`` is the item number an answer was refused for.
    """

    def __init__(self, message: str, *, key: str | None = None, item: int | None = None):
        super().__init__(message)
        self.key = key
        self.item = item


FORMAT = 1
LOINC = "http://loinc.org"
# The alert code of the rule that watches self-harm; risk_text() reads it.
RISK = "risk"
SHIPPED = ("phq9", "gad7", "alliance")


@dataclass(frozen=True)
class AnswerOption:
    value: int
    label: str
    code: str | None = None


@dataclass(frozen=True)
class Item:
    number: int
    text: str
    answer_set: str
    options: tuple[AnswerOption, ...]
    code: str | None = None
    required: bool = True
    # An unscored item (PHQ-9's difficulty question) is asked and kept but never counted.
    scored: bool = True

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    def option(self, value: int) -> AnswerOption:
        for option in self.options:
            if option.value == value:
                return option
        raise KeyError(value)


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str

    def __contains__(self, total: int) -> bool:
        return self.low <= total <= self.high


class Direction(StrEnum):
    BELOW = "below"
    AT_OR_ABOVE = "at_or_above"


@dataclass(frozen=True)
class Cutoff:
    """A line on the total, flagged when crossed: alliance scores under it are talked about in
    the next session (feedback-informed practice). The value in a definition is a default that
    the practice may change with ``with_cutoff``."""

    value: int
    direction: Direction
    alert: str
    label: str

    def flags(self, total: int) -> bool:
        if self.direction is Direction.BELOW:
            return total < self.value
        return total >= self.value


@dataclass(frozen=True)
class AlertRule:
    """An alert raised by one item's answer, whatever the total."""

    code: str
    label: str
    item: int
    # The item in a few words, for the sentence shown beside the score ("thoughts of self-harm").
    about: str
    at_least: int | None = None
    at_most: int | None = None

    def raised_by(self, value: int) -> bool:
        if self.at_least is not None:
            return value >= self.at_least
        return self.at_most is not None and value <= self.at_most


@dataclass(frozen=True)
class FreeTextQuestion:
    """A question answered in the client's own words: kept with the response, never scored."""

    key: str
    text: str


@dataclass(frozen=True)
class Instrument:
    code: str
    title: str
    short_title: str
    version: str
    validated: bool
    # Shown wherever the instrument is named, so an unvalidated form is never taken for a norm.
    label_note: str
    items: tuple[Item, ...]
    low: int
    high: int
    bands: tuple[Band, ...] = ()
    cutoff: Cutoff | None = None
    alert_rules: tuple[AlertRule, ...] = ()
    free_text: tuple[FreeTextQuestion, ...] = ()
    instructions: str = ""
    source: str = ""
    licence: str = ""
    code_system: str | None = None
    panel_code: str | None = None
    total_code: str | None = None

    def item(self, number: int) -> Item:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)

    def band_for(self, total: int) -> Band | None:
        return next((band for band in self.bands if total in band), None)

    def alert_label(self, code: str) -> str:
        if self.cutoff is not None and self.cutoff.alert == code:
            return self.cutoff.label
        for rule in self.alert_rules:
            if rule.code == code:
                return rule.label
        raise KeyError(code)


# --- Scoring -------------------------------------------------------------------------------------


class ItemState(StrEnum):
    """What a watched item says. ``unknown`` is its own state: an unanswered item 9 is not 0."""

    ENDORSED = "endorsed"
    NOT_ENDORSED = "not_endorsed"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Watch:
    """One alert rule's item in a response: its answer, or the lack of one."""

    alert: str
    item: int
    about: str
    state: ItemState
    value: int | None = None
    answer: str | None = None


@dataclass(frozen=True)
class Score:
    instrument: str
    total: int | None
    band: str | None
    complete: bool
    # Required items answered; ``answered + len(missing)`` is the number of required items.
    answered: int
    missing: tuple[int, ...]
    alerts: tuple[str, ...]
    watches: tuple[Watch, ...]
    display: str

    @property
    def risk(self) -> ItemState | None:
        """The self-harm item's state (PHQ-9 item 9), or None for an instrument without one."""
        watch = _risk_watch(self)
        return None if watch is None else watch.state


def score(instrument: Instrument, answers: Mapping[int, int | None]) -> Score:
    """Scores one response: ``answers`` maps item numbers to values, None for a blank."""
    given = _checked_answers(instrument, answers)
    required = [item.number for item in instrument.items if item.required]
    missing = tuple(number for number in required if number not in given)
    total = None
    if not missing:
        total = sum(given[item.number] for item in instrument.items if item.scored)
    band = instrument.band_for(total) if total is not None else None
    watches = tuple(_watch(instrument, rule, given) for rule in instrument.alert_rules)
    alerts = [watch.alert for watch in watches if watch.state is ItemState.ENDORSED]
    if total is not None and instrument.cutoff is not None and instrument.cutoff.flags(total):
        alerts.append(instrument.cutoff.alert)
    answered = len(required) - len(missing)
    if total is None:
        noun = "item" if len(required) == 1 else "items"
        display = f"Incomplete: {answered} of {len(required)} {noun} answered"
    else:
        display = f"{total} of {instrument.high}" + (f": {band.label}" if band else "")
    return Score(
        instrument=instrument.code,
        total=total,
        band=band.label if band else None,
        complete=not missing,
        answered=answered,
        missing=missing,
        alerts=tuple(alerts),
        watches=watches,
        display=display,
    )


def risk_text(score: Score) -> str | None:
    """The self-harm item in words, or None for an instrument that does not ask about it.

    A 0 is reported as the client's answer and nothing more: a questionnaire is not a safety
    assessment, and a client who has not disclosed thoughts of self-harm may still have them.
    """
    watch = _risk_watch(score)
    if watch is None:
        return None
    item = f"Item {watch.item} ({watch.about})"
    if watch.state is ItemState.UNKNOWN:
        return f"{item}: not answered — risk unknown"
    if watch.state is ItemState.ENDORSED:
        return f"{item}: answered '{watch.answer}' — risk alert raised"
    return f"{item}: answered '{watch.answer}'"


def with_cutoff(instrument: Instrument, value: int) -> Instrument:
    """The instrument with the practice's own cut-off in place of the definition's default."""
    if instrument.cutoff is None:
        raise InstrumentError(f"{instrument.short_title} has no cut-off to set.")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstrumentError(f"The cut-off must be a whole number; {value!r} is not.")
    if not instrument.low < value <= instrument.high:
        raise InstrumentError(
            f"The {instrument.short_title} cut-off must be above {instrument.low} and at most "
            f"{instrument.high}, the range of its totals; {value} is outside it."
        )
    return replace(instrument, cutoff=replace(instrument.cutoff, value=value))


def _checked_answers(instrument: Instrument, answers: Mapping[int, int | None]) -> dict[int, int]:
    if not isinstance(answers, Mapping):
        raise InstrumentError("Answers must map item numbers to values.")
    numbers = [item.number for item in instrument.items]
    given = {}
    for number, value in answers.items():
        # 1.0 and True equal 1 to Python, but neither names an item.
        if type(number) is not int or number not in numbers:
            raise InstrumentError(
                f"{instrument.short_title} has no item {number!r}; its items are "
                f"{_numbers(numbers)}.",
                item=number if type(number) is int else None,
            )
        if value is None:
            continue
        item = instrument.item(number)
        # A bool is an int to Python and 2.0 equals 2; neither is an answer a client gave.
        if type(value) is not int or value not in item.values:
            raise InstrumentError(
                f"{instrument.short_title} item {number} takes {_allowed(item.values)}; "
                f"{value!r} is not one of them.",
                item=number,
            )
        given[number] = value
    return given


def _watch(instrument: Instrument, rule: AlertRule, given: Mapping[int, int]) -> Watch:
    value = given.get(rule.item)
    if value is None:
        return Watch(rule.code, rule.item, rule.about, ItemState.UNKNOWN)
    state = ItemState.ENDORSED if rule.raised_by(value) else ItemState.NOT_ENDORSED
    label = instrument.item(rule.item).option(value).label
    return Watch(rule.code, rule.item, rule.about, state, value, label)


def _risk_watch(score: Score) -> Watch | None:
    return next((watch for watch in score.watches if watch.alert == RISK), None)


def _allowed(values: Sequence[int]) -> str:
    ordered = sorted(values)
    if len(ordered) > 5 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"a whole number from {ordered[0]} to {ordered[-1]}"
    return _or(str(value) for value in ordered)


def _numbers(numbers: Sequence[int]) -> str:
    ordered = sorted(numbers)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]} to {ordered[-1]}"
    return _or(str(number) for number in ordered).replace(" or ", " and ")


def _or(words) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


# --- Definitions ---------------------------------------------------------------------------------

# Each kind of object in a definition file: its required keys, then its optional ones.
_KEYS = {
    kind: (tuple(required.split()), tuple(optional.split()))
    for kind, required, optional in [
        (
            "definition",
            "format code title short_title version validated label_note answer_sets items scoring",
            "instructions source licence code_system panel_code total_code bands cutoff alerts "
            "free_text",
        ),
        ("option", "value label", "code"),
        ("item", "number text answers", "code required scored"),
        ("scoring", "method low high", ""),
        ("band", "low high label", ""),
        ("cutoff", "value direction alert label", ""),
        ("alert", "code label item about", "at_least at_most"),
        ("free_text", "key text", ""),
    ]
}
_NAMES = {
    "definition": "The definition",
    "option": "An answer option",
    "item": "An item",
    "scoring": "'scoring'",
    "band": "A band",
    "cutoff": "'cutoff'",
    "alert": "An alert rule",
    "free_text": "A free-text question",
}
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_LOINC_CODE = re.compile(r"[0-9]{1,7}-[0-9]")
_LOINC_ANSWER = re.compile(r"LA[0-9]{1,7}-[0-9]")


class _Fields:
    """One object of a definition file, its keys checked, read by type with its path at hand."""

    def __init__(self, raw, path: str, kind: str):
        required, optional = _KEYS[kind]
        if not isinstance(raw, Mapping):
            raise InstrumentError(
                f"{_quoted(path)} must be an object with the keys {', '.join(required)}.",
                key=path or None,
            )
        for key in raw:
            if key not in required and key not in optional:
                raise InstrumentError(
                    f"Unknown key {self._join(path, key)!r}. {_NAMES[kind]} may have: "
                    f"{', '.join(required + optional)}.",
                    key=self._join(path, key),
                )
        for key in required:
            if key not in raw:
                raise InstrumentError(
                    f"Missing key {self._join(path, key)!r}. {_NAMES[kind]} needs: "
                    f"{', '.join(required)}.",
                    key=self._join(path, key),
                )
        self.raw, self.path = raw, path

    @staticmethod
    def _join(path: str, key: str) -> str:
        return f"{path}.{key}" if path else str(key)

    def at(self, key: str) -> str:
        return self._join(self.path, key)

    def refuse(self, key: str, message: str) -> NoReturn:
        raise InstrumentError(f"{self.at(key)!r} {message}", key=self.at(key))

    def _get(self, key: str, kinds, what: str, optional: bool):
        value = self.raw.get(key)
        if value is None and optional:
            return None
        # JSON's true is an int to Python; it is never a number in a definition.
        if not isinstance(value, kinds) or (kinds is not bool and isinstance(value, bool)):
            self.refuse(key, f"must be {what}; it is {json.dumps(value, ensure_ascii=False)}.")
        return value

    def text(self, key: str, *, optional: bool = False, empty: bool = False) -> str | None:
        value = self._get(key, str, "text", optional)
        if value is not None and not empty and not value.strip():
            self.refuse(key, "must not be empty.")
        return value

    def number(self, key: str, *, optional: bool = False) -> int | None:
        return self._get(key, int, "a whole number", optional)

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self._get(key, bool, "true or false", default is not None)
        return default if value is None else value

    def key_name(self, key: str) -> str:
        value = self.text(key)
        if not _KEY.fullmatch(value):
            self.refuse(key, _KEY_RULE)
        return value

    def objects(self, key: str, *, optional: bool = False) -> list:
        value = self._get(key, list, "a list", optional) or []
        if not value and not optional:
            self.refuse(key, "must not be empty.")
        return value


_KEY_RULE = (
    "must be lower-case letters, digits and underscores, starting with a letter (at most 40)."
)


def load_instrument(mapping: Mapping) -> Instrument:
    """An instrument from a parsed definition file, checked from end to end.

    Refuses, naming the key, anything a clinician could be misled by: an unknown or missing key,
    a wrong type, duplicate item numbers or answer values, a declared range the items do not
    add up to, bands with a gap or an overlap, a cut-off or an alert outside what the answers
    allow, and codes that are not codes.
    """
    top = _Fields(mapping, "", "definition")
    if top.number("format") != FORMAT:
        top.refuse("format", f"must be {FORMAT}, the only definition format Kithkin reads.")
    code = top.key_name("code")
    validated = top.flag("validated")
    label_note = top.text("label_note", empty=True)
    if not validated and not label_note.strip():
        top.refuse("label_note", "must say what an unvalidated instrument is and is not.")
    system = top.text("code_system", optional=True)
    panel_code = _code(top, "panel_code", system)
    total_code = _code(top, "total_code", system)
    answer_sets = _answer_sets(top, system)
    items = _items(top, answer_sets, system)
    low, high = _scoring(top, items)
    instrument = Instrument(
        code=code,
        title=top.text("title"),
        short_title=top.text("short_title"),
        version=top.text("version"),
        validated=validated,
        label_note=label_note,
        items=items,
        low=low,
        high=high,
        bands=_bands(top, low, high),
        instructions=top.text("instructions", optional=True, empty=True) or "",
        source=top.text("source", optional=True, empty=True) or "",
        licence=top.text("licence", optional=True, empty=True) or "",
        code_system=system,
        panel_code=panel_code,
        total_code=total_code,
        free_text=_free_text(top),
    )
    cutoff = _cutoff(top, instrument)
    return replace(instrument, cutoff=cutoff, alert_rules=_alerts(top, instrument, cutoff))


def read_instrument(text: str | bytes) -> Instrument:
    """An instrument from the text of a definition file. A key given twice is refused, where
    plain JSON would silently keep the last one."""
    try:
        raw = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise InstrumentError(
            f"The definition is not valid JSON: {error.msg} (line {error.lineno}, "
            f"column {error.colno})."
        ) from None
    return load_instrument(raw)


@functools.cache
def shipped_instruments() -> Mapping[str, Instrument]:
    """The instruments Kithkin ships, by code, read once. Read-only: the cache is shared."""
    folder = resources.files(__package__).joinpath("data/instruments")
    instruments = {}
    for code in SHIPPED:
        instrument = read_instrument(folder.joinpath(f"{code}.json").read_text("utf-8"))
        # A file renamed without its code would score under the wrong name.
        if instrument.code != code:
            raise InstrumentError(f"{code}.json defines {instrument.code!r}, not {code!r}.")
        instruments[code] = instrument
    return MappingProxyType(instruments)


def _no_duplicate_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise InstrumentError(f"The key {key!r} is given twice in one object.", key=key)
        seen[key] = value
    return seen


def _code(fields: _Fields, key: str, system: str | None, *, answer: bool = False) -> str | None:
    code = fields.text(key, optional=True)
    if code is None:
        return None
    if system is None:
        fields.refuse(key, "gives a code, but the definition has no 'code_system' to say whose.")
    if system == LOINC:
        pattern, example = (_LOINC_ANSWER, "LA6568-5") if answer else (_LOINC_CODE, "44261-6")
        if not pattern.fullmatch(code):
            fields.refuse(key, f"is {code!r}, which is not a LOINC code like {example}.")
        if not answer and not _loinc_check_digit_holds(code):
            fields.refuse(key, f"is {code!r}, whose LOINC check digit is wrong: a typo?")
    return code


def _loinc_check_digit_holds(code: str) -> bool:
    # LOINC's mod-10 check digit (Luhn over the base number) catches a mistyped digit.
    base, check = code.split("-")
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(base)):
        doubled = digit * 2 if position % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return (10 - total % 10) % 10 == int(check)


def _answer_sets(top: _Fields, system) -> dict[str, tuple[AnswerOption, ...]]:
    raw = top.raw["answer_sets"]
    if not isinstance(raw, Mapping) or not raw:
        top.refuse("answer_sets", "must be an object naming at least one answer set.")
    sets = {}
    for name, options in raw.items():
        path = f"answer_sets.{name}"
        if not _KEY.fullmatch(name):
            raise InstrumentError(f"{path!r} {_KEY_RULE}", key=path)
        if not isinstance(options, list) or not options:
            raise InstrumentError(f"{path!r} must be a list of answer options.", key=path)
        parsed = []
        for index, raw_option in enumerate(options):
            option = _Fields(raw_option, f"{path}[{index}]", "option")
            value = option.number("value")
            if value in (o.value for o in parsed):
                option.refuse("value", f"is {value}, which an earlier option already has.")
            code = _code(option, "code", system, answer=True)
            parsed.append(AnswerOption(value, option.text("label"), code))
        sets[name] = tuple(parsed)
    return sets


def _items(top: _Fields, answer_sets, system) -> tuple[Item, ...]:
    items: list[Item] = []
    for index, raw in enumerate(top.objects("items")):
        fields = _Fields(raw, f"items[{index}]", "item")
        number = fields.number("number")
        if number < 1:
            fields.refuse("number", f"is {number}; items are numbered from 1.")
        if number in (item.number for item in items):
            fields.refuse("number", f"is {number}, which an earlier item already has.")
        answers = fields.text("answers")
        if answers not in answer_sets:
            fields.refuse(
                "answers",
                f"names {answers!r}, which is not one of the answer_sets: "
                f"{', '.join(answer_sets)}.",
            )
        code = _code(fields, "code", system)
        if code is not None and code in (item.code for item in items):
            fields.refuse("code", f"is {code!r}, which an earlier item already has.")
        required, scored = fields.flag("required", True), fields.flag("scored", True)
        if scored and not required:
            # A skipped scored item would count as its lowest answer: a silently lower total.
            fields.refuse("required", "must be true for an item that counts in the total.")
        items.append(
            Item(number, fields.text("text"), answers, answer_sets[answers], code, required, scored)
        )
    return tuple(items)


def _scoring(top: _Fields, items: tuple[Item, ...]) -> tuple[int, int]:
    fields = _Fields(top.raw["scoring"], "scoring", "scoring")
    if fields.text("method") != "sum":
        fields.refuse("method", 'must be "sum": Kithkin scores an instrument by adding up items.')
    low, high = fields.number("low"), fields.number("high")
    scored = [item for item in items if item.scored]
    if not scored:
        top.refuse("items", "must have at least one item that counts in the total.")
    least = sum(min(item.values) for item in scored)
    most = sum(max(item.values) for item in scored)
    if (low, high) != (least, most):
        raise InstrumentError(
            f"'scoring' says totals run from {low} to {high}, but the scored items add up to "
            f"{least} to {most}.",
            key="scoring",
        )
    return low, high


def _bands(top: _Fields, low: int, high: int) -> tuple[Band, ...]:
    bands: list[Band] = []
    raws = top.objects("bands", optional=True)
    # Every total falls in exactly one band: a gap would leave a score unnamed, an overlap would
    # give it two names.
    expected = low
    for index, raw in enumerate(raws):
        fields = _Fields(raw, f"bands[{index}]", "band")
        band = Band(fields.number("low"), fields.number("high"), fields.text("label"))
        if band.low != expected:
            before = (
                f"the band before it ends at {expected - 1}" if bands else f"totals start at {low}"
            )
            if band.low > expected:
                problem = f"{_span(expected, band.low - 1)} would be in no band"
            elif bands:
                problem = f"{_span(band.low, expected - 1)} would be in two bands"
            else:
                problem = "a band cannot start below the lowest total"
            fields.refuse("low", f"is {band.low}, but {before}: {problem}.")
        if band.high < band.low:
            fields.refuse("high", f"is {band.high}, below the band's low of {band.low}.")
        bands.append(band)
        expected = band.high + 1
    if bands and bands[-1].high != high:
        path = f"bands[{len(bands) - 1}].high"
        raise InstrumentError(
            f"{path!r} is {bands[-1].high}, but the highest total is {high}: the bands must end "
            "there.",
            key=path,
        )
    return tuple(bands)


def _cutoff(top: _Fields, instrument: Instrument) -> Cutoff | None:
    if top.raw.get("cutoff") is None:
        return None
    fields = _Fields(top.raw["cutoff"], "cutoff", "cutoff")
    value = fields.number("value")
    if not instrument.low < value <= instrument.high:
        fields.refuse(
            "value",
            f"is {value}; a cut-off must be above {instrument.low} and at most {instrument.high}, "
            "or it would flag every total or none.",
        )
    direction = fields.text("direction")
    if direction not in [d.value for d in Direction]:
        fields.refuse("direction", f"must be {_or(repr(d.value) for d in Direction)}.")
    return Cutoff(value, Direction(direction), fields.key_name("alert"), fields.text("label"))


def _alerts(top: _Fields, instrument: Instrument, cutoff: Cutoff | None) -> tuple[AlertRule, ...]:
    rules: list[AlertRule] = []
    codes = {cutoff.alert} if cutoff else set()
    for index, raw in enumerate(top.objects("alerts", optional=True)):
        fields = _Fields(raw, f"alerts[{index}]", "alert")
        code = fields.key_name("code")
        if code in codes:
            fields.refuse("code", f"is {code!r}, which another alert (or the cut-off) has.")
        codes.add(code)
        number = fields.number("item")
        if number not in (item.number for item in instrument.items):
            fields.refuse("item", f"is {number}, which is not one of the items.")
        least, most = min(instrument.item(number).values), max(instrument.item(number).values)
        at_least = fields.number("at_least", optional=True)
        at_most = fields.number("at_most", optional=True)
        if (at_least is None) == (at_most is None):
            fields.refuse("at_least", "or 'at_most' must be given, and not both.")
        # A threshold every answer meets, or none can, is a mistake rather than a rule.
        if at_least is not None and not least < at_least <= most:
            fields.refuse("at_least", _never_or_always(at_least, number, least, most))
        if at_most is not None and not least <= at_most < most:
            fields.refuse("at_most", _never_or_always(at_most, number, least, most))
        rules.append(
            AlertRule(code, fields.text("label"), number, fields.text("about"), at_least, at_most)
        )
    return tuple(rules)


def _free_text(top: _Fields) -> tuple[FreeTextQuestion, ...]:
    questions: list[FreeTextQuestion] = []
    for index, raw in enumerate(top.objects("free_text", optional=True)):
        fields = _Fields(raw, f"free_text[{index}]", "free_text")
        key = fields.key_name("key")
        if key in (question.key for question in questions):
            fields.refuse("key", f"is {key!r}, which an earlier question already has.")
        questions.append(FreeTextQuestion(key, fields.text("text")))
    return tuple(questions)


def _never_or_always(threshold: int, number: int, least: int, most: int) -> str:
    return (
        f"is {threshold}, but item {number}'s answers run from {least} to {most}: the alert "
        "would be raised by every answer, or by none."
    )


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first} to {last}"


def _quoted(path: str) -> str:
    return repr(path) if path else "The definition"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kithkin.core.instruments FILE``: checks a definition file before it is used."""
    paths = list(sys.argv[1:] if argv is None else argv)
    if len(paths) != 1:
        print("usage: python -m kithkin.core.instruments DEFINITION.json", file=sys.stderr)
        return 2
    try:
        with open(paths[0], encoding="utf-8") as file:
            instrument = read_instrument(file.read())
    except (OSError, InstrumentError) as error:
        print(f"{paths[0]}: {error}", file=sys.stderr)
        return 1
    lowest = score(instrument, {item.number: min(item.values) for item in instrument.items})
    print(
        f"{paths[0]}: {instrument.title} ({instrument.code}, version {instrument.version}): "
        f"{len(instrument.items)} items, totals {instrument.low} to {instrument.high}, "
        f"{len(instrument.bands)} bands. Every lowest answer scores {lowest.display}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Matching an inquiry to a therapist: the vocabularies, and a ranking that gives its reasons.

Seed 003: "the therapy relationship itself is (or should be) healing"; seed 004: the quality of
the first contact "often prescients the depth of connection possible". So the fit between the
person reaching out and the therapist matters from the first day, and a wrong fit is costly.
The practice still decides: the ranking only suggests, and says in plain words why ("specialises
in depression; offers evening video sessions; 3 open slots"), so the clinician reading it can
judge each reason, and what does not fit is said too ("does not offer weekends").

The score is a plain sum of the points below; nothing is hidden, and nothing is subtracted:
what does not fit becomes a caution the clinician reads, never a silent penalty. So adding a
preference can never lower a therapist's score, only add a reason or a caution.

    specialty named in the concerns   3 each   ("specialises in depression")
    population named in the concerns  2 each   ("works with couples")
    modality asked for and offered    2 each   ("offers EMDR")
    a language asked for, spoken      3 once   ("speaks Spanish"): one shared language is enough
    therapist gender asked for        2        ("is a woman therapist")
    faith integrated / secular        2        ("integrates faith", "offers secular therapy")
    a time asked for and offered      2 each   ("offers evening video sessions")
    the setting asked for (in person
      or video; "either" is no ask)   2        (same reason as the times)
    open slots                        0        ("3 open slots"): said, and breaks ties only

Who is not suggested: a therapist who is not accepting new clients, or who has no open slot,
is left out of the ranking altogether (`unavailable` says why, for the accept refusal and for
the page's note), because suggesting someone who cannot take the client only delays the
client's first real answer.

The order is stable: score (highest first), then open slots (most first, so a tie goes to the
therapist who has room), then name, then id.

The specialty and population keywords are a small, deliberate map: a word of the concerns
matches a keyword when it starts with it ("depress" matches "depressed" and "depression").
It is a hint, not a reading: it does not understand negation ("not depressed"), which is one
more reason why a person, not the ranking, decides.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# The shared vocabularies (the inquiry form and the therapist profile both use these codes).
MODALITIES = {
    "cbt": "Cognitive behavioural therapy",
    "psychodynamic": "Psychodynamic",
    "relational": "Relational",
    "emdr": "EMDR",
    "family_systems": "Family systems",
    "person_centred": "Person-centred",
    "act": "Acceptance and commitment therapy",
}
LANGUAGES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "pt": "Portuguese",
    "zh": "Chinese",
    "ar": "Arabic",
}
TIMES = {
    "weekday_daytime": "weekday daytimes",
    "weekday_evening": "weekday evenings",
    "weekend": "weekends",
}
SETTINGS = {"in_person": "in person", "video": "by video", "either": "either"}

# A therapist offers one or both of these; "either" is only ever a client's answer.
OFFERED_SETTINGS = {"in_person": "in person", "video": "by video"}

GENDERS = {"woman": "woman", "man": "man", "nonbinary": "nonbinary"}
FAITH = {"integrated": "faith integrated into therapy", "secular": "secular therapy"}

# Labels read inside a sentence: "specialises in depression", "works with couples".
SPECIALTIES = {
    "depression": "depression",
    "anxiety": "anxiety",
    "grief": "grief and loss",
    "trauma": "trauma",
    "relationships": "relationships",
    "family": "family difficulties",
    "addiction": "addiction",
    "eating": "eating difficulties",
    "stress": "stress and burnout",
    "self_esteem": "self-esteem",
}
POPULATIONS = {
    "adults": "adults",
    "adolescents": "adolescents",
    "children": "children",
    "couples": "couples",
    "families": "families",
    "older_adults": "older adults",
    "lgbtq": "LGBTQ+ clients",
}

# Word starts that point to a specialty: short, everyday words a person uses about themselves.
SPECIALTY_KEYWORDS = {
    "depression": ("depress", "hopeless", "sad", "empty", "numb"),
    "anxiety": ("anxi", "panic", "worr", "nervous", "phobi"),
    "grief": ("grie", "bereave", "loss", "mourn", "died", "death"),
    "trauma": ("trauma", "ptsd", "abuse", "assault", "flashback", "nightmare"),
    "relationships": ("relationship", "marriage", "married", "divorc", "breakup", "partner"),
    # Not "mother" or "father": people name a parent about every concern (a loss, a memory);
    # the family words are about the family as the difficulty.
    "family": ("family", "parenting", "sibling", "in-law"),
    "addiction": ("addict", "alcohol", "drink", "drug", "gambl"),
    "eating": ("eating", "anorex", "bulimi", "binge"),
    "stress": ("stress", "burnout", "overwhelm", "exhaust"),
    "self_esteem": ("self-esteem", "confidence", "worthless", "insecur"),
}
# Population words: who the therapy would be for.
POPULATION_KEYWORDS = {
    "adolescents": ("teen", "adolescen"),
    "children": ("child", "kid"),
    "couples": ("couple",),
    "families": ("families",),
    "older_adults": ("retire", "elderly"),
    "lgbtq": ("lgbt", "queer", "gay", "lesbian", "transgender", "bisexual"),
}

# The points of each kind of fit (see the table in the module docstring).
W_SPECIALTY = 3
W_POPULATION = 2
W_MODALITY = 2
W_LANGUAGE = 3
W_GENDER = 2
W_FAITH = 2
W_TIME = 2
W_SETTING = 2

# How a time and a setting read inside "offers evening video sessions".
_TIME_WORDS = {"weekday_daytime": "daytime", "weekday_evening": "evening", "weekend": "weekend"}
_SETTING_WORDS = {"in_person": "in-person", "video": "video"}
_SETTING_MISSING = {
    "in_person": "does not see clients in person",
    "video": "does not offer video sessions",
}


@dataclass(frozen=True)
class Preferences:
    """What the person reaching out asked for; every part is optional ("" / () = no preference)."""

    concerns: str = ""
    modalities: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    therapist_gender: str = ""
    faith: str = ""  # "", "integrated", "secular"
    availability: tuple[str, ...] = ()  # codes of TIMES
    setting: str = ""  # "", "in_person", "video", "either"


@dataclass(frozen=True)
class Profile:
    therapist_id: int
    name: str
    specialties: tuple[str, ...] = ()
    populations: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    gender: str = ""
    faith_integrated: bool = False
    times: tuple[str, ...] = ()  # codes of TIMES
    settings: tuple[str, ...] = ()  # codes of OFFERED_SETTINGS
    capacity: int = 0
    active_clients: int = 0
    accepting: bool = True

    @property
    def open_slots(self) -> int:
        return max(0, self.capacity - self.active_clients)


@dataclass(frozen=True)
class Suggestion:
    therapist_id: int
    score: int
    reasons: tuple[str, ...]
    cautions: tuple[str, ...]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z'\-]*", text.lower())


def _named(text: str, keywords: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    words = _words(text)
    return tuple(
        code
        for code, stems in keywords.items()
        if any(w.startswith(s) for s in stems for w in words)
    )


def specialties_in(concerns: str) -> tuple[str, ...]:
    """The specialties the concerns text points to, in the order of SPECIALTIES."""
    return _named(concerns, SPECIALTY_KEYWORDS)


def populations_in(concerns: str) -> tuple[str, ...]:
    return _named(concerns, POPULATION_KEYWORDS)


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _or(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(c for c in codes if c))


def slots_phrase(n: int) -> str:
    return "1 open slot" if n == 1 else f"{n} open slots"


def unavailable(profile: Profile) -> str | None:
    """Why this therapist cannot be suggested now, or None when they can."""
    if not profile.accepting:
        return "is not accepting new clients"
    if profile.open_slots <= 0:
        return "has no open slot"
    return None


def score(preferences: Preferences, profile: Profile) -> Suggestion:
    """The points, reasons and cautions of one therapist for one inquiry (see the table above)."""
    points = 0
    reasons: list[str] = []
    cautions: list[str] = []

    asked_specialties = specialties_in(preferences.concerns)
    shared = [c for c in asked_specialties if c in profile.specialties]
    points += W_SPECIALTY * len(shared)
    if shared:
        reasons.append("specialises in " + _and([SPECIALTIES[c] for c in shared]))
    missing = [c for c in asked_specialties if c not in profile.specialties]
    if missing:
        cautions.append("does not list " + _or([SPECIALTIES[c] for c in missing]))

    asked_populations = populations_in(preferences.concerns)
    shared = [c for c in asked_populations if c in profile.populations]
    points += W_POPULATION * len(shared)
    if shared:
        reasons.append("works with " + _and([POPULATIONS[c] for c in shared]))
    missing = [c for c in asked_populations if c not in profile.populations]
    if missing:
        cautions.append("does not list work with " + _or([POPULATIONS[c] for c in missing]))

    asked = _unique(preferences.modalities)
    shared = [c for c in asked if c in profile.modalities]
    points += W_MODALITY * len(shared)
    if shared:
        reasons.append("offers " + _and([MODALITIES.get(c, c) for c in shared]))
    missing = [c for c in asked if c not in profile.modalities]
    if missing:
        cautions.append("does not offer " + _or([MODALITIES.get(c, c) for c in missing]))

    asked = _unique(preferences.languages)
    shared = [c for c in asked if c in profile.languages]
    if shared:
        points += W_LANGUAGE
        reasons.append("speaks " + _and([LANGUAGES.get(c, c) for c in shared]))
    elif asked:
        cautions.append("does not speak " + _or([LANGUAGES.get(c, c) for c in asked]))

    wanted = preferences.therapist_gender
    if wanted:
        label = GENDERS.get(wanted, wanted)
        if profile.gender == wanted:
            points += W_GENDER
            reasons.append(f"is a {label} therapist")
        elif not profile.gender:
            cautions.append(f"has not said their gender (a {label} therapist was asked for)")
        else:
            cautions.append(f"is not a {label} therapist")

    if preferences.faith == "integrated":
        if profile.faith_integrated:
            points += W_FAITH
            reasons.append("integrates faith into therapy")
        else:
            cautions.append("does not integrate faith into therapy")
    elif preferences.faith == "secular":
        if profile.faith_integrated:
            cautions.append("integrates faith into therapy (secular therapy was asked for)")
        else:
            points += W_FAITH
            reasons.append("offers secular therapy")

    points += _when_and_where(preferences, profile, reasons, cautions)
    reasons.append(slots_phrase(profile.open_slots))
    return Suggestion(profile.therapist_id, points, tuple(reasons), tuple(cautions))


def _when_and_where(
    preferences: Preferences, profile: Profile, reasons: list[str], cautions: list[str]
) -> int:
    """Times and setting read as one phrase, as people say it: "offers evening video sessions"."""
    asked = [c for c in _unique(preferences.availability) if c in TIMES]
    times = [c for c in asked if c in profile.times]
    setting = preferences.setting if preferences.setting in OFFERED_SETTINGS else ""
    setting_fits = bool(setting) and setting in profile.settings
    points = W_TIME * len(times) + (W_SETTING if setting_fits else 0)
    if times or setting_fits:
        words = [_and([_TIME_WORDS[c] for c in times])] if times else []
        words += [_SETTING_WORDS[setting]] if setting_fits else []
        reasons.append("offers " + " ".join(words) + " sessions")
    cautions += [f"does not offer {TIMES[c]}" for c in asked if c not in profile.times]
    if setting and not setting_fits:
        cautions.append(_SETTING_MISSING[setting])
    return points


def rank(preferences: Preferences, profiles: Iterable[Profile]) -> list[Suggestion]:
    """The therapists who can take a client now, best fit first, each with its reasons."""
    available = [p for p in profiles if unavailable(p) is None]
    scored = [(score(preferences, p), p) for p in available]
    scored.sort(
        key=lambda sp: (-sp[0].score, -sp[1].open_slots, sp[1].name.casefold(), sp[1].therapist_id)
    )
    return [s for s, _ in scored]

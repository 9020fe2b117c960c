"""The ICD-10-CM codes a therapist may record, and the search that finds them by code or words.

The one place the code list comes from: data/icd10cm.json, built from the CDC's tabular list by
icd10_extract.py (its docstring says which release, which codes and why). Django-free, loaded
once per process on first use (about 1,300 codes, a few milliseconds).

The maintained simple-icd-10-cm package was considered as the runtime source: it parses the whole
98,000-code tabular list when imported (about 2 s and 170 MB per process, measured with 1.5.0),
for a list of which Kithkin offers a small part. Its bundled copy of the CDC's file is what the
JSON was built from.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kithkin.core.assessments import looks_like_code, normalise_code

DATA = Path(__file__).resolve().parent / "data" / "icd10cm.json"


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    recordable: bool  # a billable leaf; a category with codes below it is not recorded
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    code: Code
    term: str = ""  # the inclusion term that matched, when the title did not


@dataclass(frozen=True)
class _Entry:
    code: Code
    bare: str  # the code without its dot
    title_words: frozenset[str]
    all_words: frozenset[str]


_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


@cache
def _list() -> tuple[dict, tuple[_Entry, ...], dict[str, _Entry]]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    entries = tuple(
        _Entry(
            code=Code(code, title, recordable, tuple(terms)),
            bare=code.replace(".", ""),
            title_words=_words(title),
            all_words=_words(" ".join([title, *terms])),
        )
        for code, title, recordable, terms in data["codes"]
    )
    meta = {"release": data["release"], "scope": data["scope"]}
    return meta, entries, {e.code.code: e for e in entries}


def release() -> str:
    return _list()[0]["release"]


def scope() -> str:
    return _list()[0]["scope"]


def lookup(code: str) -> Code | None:
    entry = _list()[2].get(normalise_code(code))
    return entry.code if entry else None


def recordable(codes) -> list[Code]:
    """The codes among ``codes`` that may be recorded, each once, in the order given; what
    is no code, or only a heading, is left out."""
    found = (lookup(code) for code in dict.fromkeys(normalise_code(c) for c in codes if c))
    return [code for code in found if code and code.recordable]


def refusal(code: str) -> str | None:
    """Why ``code`` cannot be recorded, in words fit for the therapist; None if it can."""
    wanted = normalise_code(code)
    entry = _list()[2].get(wanted)
    if entry is None:
        return (
            f"{wanted} is not a code in Kithkin's ICD-10-CM list ({release()}: "
            f"{scope()}). Search by words to find the code."
        )
    if not entry.code.recordable:
        below = [
            e.code.code
            for e in _list()[1]
            if e.code.recordable and e.bare.startswith(entry.bare) and e is not entry
        ]
        examples = ", ".join(below[:4])
        return (
            f"{wanted} ({entry.code.title}) is a heading, not a code to record: choose one of "
            f"the codes below it, such as {examples}."
        )
    return None


def search(query: str, limit: int = 25) -> list[Match]:
    return search_counted(query, limit)[0]


def search_counted(query: str, limit: int = 25) -> tuple[list[Match], int]:
    """Recordable codes matching every word of ``query``, best first.

    A word that looks like a code ("F32", "f32.1", "Z63") matches codes starting with it; any
    other word matches the start of a word in the title or in an inclusion term ("depress"
    finds "depressive" and "Depression NOS"). Title matches come before term matches, and
    titles that open with a searched word ("Depression, unspecified") before the rest; then
    the tabular list's own order, which keeps related codes together. The count is of every
    match, for "the first 25 of 140".
    """
    tokens = query.lower().split()[:8]
    code_parts = [normalise_code(t).replace(".", "") for t in tokens if looks_like_code(t)]
    word_parts = [w for t in tokens if not looks_like_code(t) for w in _WORD.findall(t)]
    if not code_parts and not word_parts:
        return [], 0
    found = []
    for position, entry in enumerate(_list()[1]):
        if not entry.code.recordable:
            continue
        if not all(entry.bare.startswith(part) for part in code_parts):
            continue
        if not all(_has_prefix(entry.all_words, w) for w in word_parts):
            continue
        in_title = all(_has_prefix(entry.title_words, w) for w in word_parts)
        term = "" if in_title else _matching_term(entry.code.terms, word_parts)
        first = _WORD.match(entry.code.title.lower())
        leads = bool(first) and any(first.group().startswith(w) for w in word_parts)
        found.append(((not in_title, not leads, position), Match(entry.code, term)))
    found.sort(key=lambda item: item[0])
    return [match for _, match in found[:limit]], len(found)


def _has_prefix(words: frozenset[str], prefix: str) -> bool:
    return prefix in words or any(word.startswith(prefix) for word in words)


def _matching_term(terms: tuple[str, ...], word_parts: list[str]) -> str:
    for term in terms:
        if all(_has_prefix(_words(term), w) for w in word_parts):
            return term
    return terms[0] if terms else ""

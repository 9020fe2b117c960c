"""The words of the spheres-of-influence exercise: 13 relationship types, 14 components.

They live in one data file (``data/relationships.json``) so that the pages, the portal, the API
and the printed map describe them in the same plain words; this module reads it once, checks it,
and exposes it as read-only values in the file's order.
"""

import json
import re
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType


@dataclass(frozen=True)
class RelationshipType:
    key: str
    label: str
    description: str
    # The colour marks the person on the bullseye; the abbreviation is drawn inside the mark so
    # the type still reads in black-and-white print and for people who do not see the colour.
    colour: str
    abbreviation: str


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    description: str


_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


def _load() -> tuple[dict[str, RelationshipType], dict[str, Component]]:
    raw = json.loads(
        resources.files(__package__).joinpath("data/relationships.json").read_text("utf-8")
    )
    types = {t["key"]: RelationshipType(**t) for t in raw["types"]}
    components = {c["key"]: Component(**c) for c in raw["components"]}
    # A broken data file should stop the app at start-up, not draw a half-labelled map later.
    if len(types) != 13 or len(components) != 14:
        raise RuntimeError("relationships.json must hold 13 types and 14 components")
    for t in types.values():
        if not _COLOUR.fullmatch(t.colour) or not t.abbreviation or not t.description:
            raise RuntimeError(f"relationships.json: type {t.key!r} is incomplete")
    if len({t.abbreviation for t in types.values()}) != len(types):
        raise RuntimeError("relationships.json: type abbreviations must differ")
    return types, components


_types, _components = _load()

TYPES: MappingProxyType[str, RelationshipType] = MappingProxyType(_types)
COMPONENTS: MappingProxyType[str, Component] = MappingProxyType(_components)
TYPE_KEYS: tuple[str, ...] = tuple(_types)
COMPONENT_KEYS: tuple[str, ...] = tuple(_components)

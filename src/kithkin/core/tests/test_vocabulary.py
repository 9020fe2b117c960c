import re

from kithkin.core.vocabulary import COMPONENT_KEYS, COMPONENTS, TYPE_KEYS, TYPES


def contrast_on_white(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return 1.05 / (luminance + 0.05)


def test_the_data_file_holds_the_seeds_thirteen_types_in_order():
    assert TYPE_KEYS == (
        "romantic",
        "sexual",
        "friendship",
        "family",
        "professional",
        "casual",
        "platonic",
        "online",
        "parent_child",
        "transactional",
        "intergenerational",
        "acquaintance",
        "caretaker",
    )


def test_the_data_file_holds_the_fourteen_components_in_order():
    assert COMPONENT_KEYS == (
        "communication",
        "safety",
        "respect",
        "equality_equity",
        "emotional_support",
        "independence_autonomy",
        "shared_values_goals",
        "conflict_resolution",
        "quality_time",
        "appreciation_gratitude",
        "flexibility_adaptability",
        "intimacy",
        "commitment",
        "trust_reliability",
    )


def test_every_type_and_component_has_a_label_and_a_plain_description():
    for item in (*TYPES.values(), *COMPONENTS.values()):
        assert item.label and item.label[0].isupper()
        assert 20 <= len(item.description) <= 240, item.key


def test_type_colours_outline_clearly_on_white_and_carry_white_letters():
    # WCAG 1.4.11 asks 3:1 for graphics; 4.5:1 also keeps the white letters inside readable.
    for item in TYPES.values():
        assert re.fullmatch(r"#[0-9A-F]{6}", item.colour)
        assert contrast_on_white(item.colour) >= 4.5, item.key


def test_every_type_has_its_own_colour_and_letters():
    assert len({t.colour for t in TYPES.values()}) == 13
    assert len({t.abbreviation for t in TYPES.values()}) == 13
    assert all(1 <= len(t.abbreviation) <= 2 for t in TYPES.values())


def test_the_vocabulary_is_read_only():
    try:
        TYPES["new"] = TYPES["family"]  # type: ignore[index]
    except TypeError:
        pass
    else:
        raise AssertionError("TYPES accepted a new key")

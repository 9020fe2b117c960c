import itertools
import math
import xml.etree.ElementTree as ET

import pytest

from kithkin.core.bullseye import describe, draw, text_alternative
from kithkin.core.bullseye_layout import FONT_SIZE, MARK_RADIUS, layout
from kithkin.core.spheres import Entry, incongruence
from kithkin.core.vocabulary import COMPONENT_KEYS, TYPE_KEYS

SVG = "{http://www.w3.org/2000/svg}"


def rated(partly: int = 0, clearly: int = 0) -> dict[str, int]:
    ratings = {key: 2 for key in COMPONENT_KEYS[:clearly]}
    ratings.update({key: 1 for key in COMPONENT_KEYS[clearly : clearly + partly]})
    return ratings


ALEXIS = [
    Entry(1, "Mother", 2, frozenset({"family", "parent_child"}), rated(5, 6)),
    Entry(2, "Diane", 2, frozenset({"friendship"}), rated(2, 1)),
    Entry(3, "Employer", 4, frozenset({"professional", "transactional"}), rated(4, 1)),
    Entry(4, "Coworkers", 4, frozenset({"professional"}), rated(5)),
]
FIRST = [
    "Ruth",
    "Jordan",
    "Priya",
    "Sam",
    "Carol",
    "Ben",
    "Marcus",
    "Li Wei",
    "Tom",
    "Kai",
    "Beatriz",
    "Ash",
    "Chris",
    "Helen",
    "Dev",
    "Rosa",
    "Tariq",
    "Hannah",
]
ROLE = ["aunt", "climbing partner", "GP", "neighbour from downstairs"]


def forty() -> list[Entry]:
    people = list(ALEXIS)
    for i in range(36):
        ring = 1 + (i * 7) % 5
        label = (
            f"{FIRST[i % len(FIRST)]} ({ROLE[i % len(ROLE)]})"
            if i % 3 == 0
            else FIRST[i % len(FIRST)] + ("" if i < 18 else " B.")
        )
        kind = frozenset({TYPE_KEYS[i % 13], TYPE_KEYS[(i * 5) % 13]})
        people.append(Entry(100 + i, label, ring, kind, rated(partly=(i * 3) % 15)))
    return people


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, parsed to check it)


def people_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "person"]


def test_the_drawing_is_one_accessible_svg_element():
    root = parse(draw(ALEXIS, title="Alexis's spheres of influence"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "Alexis's spheres of influence"
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert "4 people on 5 rings" in root.find(f"{SVG}desc").text
    assert root.get("viewBox").startswith("0 0 ")


def test_it_draws_five_rings():
    root = parse(draw(ALEXIS, title="Map"))
    rings = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "ring"]
    assert sorted(int(c.get("data-ring")) for c in rings) == [1, 2, 3, 4, 5]
    radii = {int(c.get("data-ring")): float(c.get("r")) for c in rings}
    assert radii[1] < radii[2] < radii[3] < radii[4] < radii[5]


def test_every_person_has_a_title_with_name_ring_types_and_components():
    root = parse(draw(ALEXIS, title="Map"))
    groups = people_groups(root)
    assert len(groups) == 4
    titles = {g.get("data-person-id"): g.find(f"{SVG}title").text for g in groups}
    assert titles["1"] == ("Mother: ring 2; family, parent and child; shows 11 of 14 components.")
    assert titles["2"].startswith("Diane: ring 2; friendship; shows 3 of 14 components.")


def test_labels_and_titles_are_escaped():
    nasty = Entry(9, '<script>alert("x")</script> & Co \x01', 3, frozenset({"online"}), {})
    svg = draw([nasty], title="<b>Map</b> & more", therapist_label="Dr <i>")
    root = parse(svg)
    assert "<script>" not in svg
    assert not list(root.iter(f"{SVG}script"))
    assert root.find(f"{SVG}title").text == "<b>Map</b> & more"
    [group] = people_groups(root)
    assert group.find(f"{SVG}title").text.startswith('<script>alert("x")</script> & Co :')


def test_the_drawing_loads_nothing_from_outside():
    svg = draw(forty(), title="Map", previous={1: 4})
    for forbidden in (
        "<script",
        "<image",
        "<foreignObject",
        "href=",
        "<style",
        "style=",
        "@import",
    ):
        assert forbidden not in svg


def test_forty_people_give_forty_marks_each_with_a_title():
    people = forty()
    root = parse(draw(people, title="Forty"))
    groups = people_groups(root)
    assert len(groups) == 40
    assert all(g.find(f"{SVG}title") is not None for g in groups)
    assert {int(g.get("data-person-id")) for g in groups} == {e.person_id for e in people}


def test_forty_people_labels_on_one_side_of_a_ring_are_a_line_apart():
    geometry = layout(forty())
    for ring in range(1, 6):
        for side in (1, -1):
            rows = sorted(
                p.label_y for p in geometry.placed if p.entry.ring == ring and p.side == side
            )
            assert all(b - a >= FONT_SIZE for a, b in itertools.pairwise(rows))


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_forty_people_no_label_runs_into_another_label_or_mark():
    geometry = layout(forty())
    boxes = [p.label_box for p in geometry.placed]
    marks = [
        (p.x - MARK_RADIUS, p.y - MARK_RADIUS, p.x + MARK_RADIUS, p.y + MARK_RADIUS)
        for p in geometry.placed
    ]
    for i, box in enumerate(boxes):
        for j, other in enumerate(boxes):
            assert i == j or not overlaps(box, other)
        for mark in marks:
            assert not overlaps(box, mark)


def test_long_labels_are_shortened_with_an_ellipsis_but_the_title_keeps_the_name():
    long = Entry(5, "Ifeoma Nwachukwu-Barrington from the allotment", 5, frozenset(), {})
    [placed] = layout([long]).placed
    assert placed.label.endswith("\u2026") and len(placed.label) < len(long.label)
    root = parse(draw([long], title="Map"))
    assert people_groups(root)[0].find(f"{SVG}title").text.startswith(long.label)


def test_people_sit_within_their_own_ring():
    geometry = layout(forty())
    for p in geometry.placed:
        distance = math.hypot(p.x - geometry.cx, p.y - geometry.cy)
        inner = geometry.outer[p.entry.ring - 2] if p.entry.ring > 1 else 0
        assert inner < distance < geometry.outer[p.entry.ring - 1]


def test_the_therapist_stands_apart_from_every_ring():
    svg = draw(ALEXIS, title="Map")
    root = parse(svg)
    geometry = layout(ALEXIS)
    [therapist] = [g for g in root.iter(f"{SVG}g") if g.get("class") == "therapist"]
    assert "can sit in any ring" in therapist.find(f"{SVG}title").text
    rect = therapist.find(f"{SVG}rect")
    x, y = float(rect.get("x")), float(rect.get("y"))
    w, h = float(rect.get("width")), float(rect.get("height"))
    # The nearest point of the therapist's mark is outside the outer ring.
    nx = min(max(geometry.cx, x), x + w)
    ny = min(max(geometry.cy, y), y + h)
    assert math.hypot(nx - geometry.cx, ny - geometry.cy) > geometry.outer[-1]


def test_the_therapist_can_be_left_out():
    root = parse(draw(ALEXIS, title="Map", therapist_label=None))
    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "therapist"]


def marked(root: ET.Element) -> set[int]:
    return {
        int(g.get("data-person-id"))
        for g in people_groups(root)
        if any(c.get("class") == "prompt-marker" for c in g.iter(f"{SVG}circle"))
    }


def test_incongruent_people_are_marked_and_their_title_carries_the_prompt():
    root = parse(draw(ALEXIS, title="Map"))
    assert marked(root) == {2}
    [diane] = [g for g in people_groups(root) if g.get("data-person-id") == "2"]
    assert any(c.get("stroke-dasharray") for c in diane.iter(f"{SVG}circle"))
    assert diane.find(f"{SVG}title").text.endswith(
        "Diane sits in ring 2 but shows 3 of 14 components: worth exploring?"
    )


def test_prompts_can_be_given_or_switched_off():
    assert marked(parse(draw(ALEXIS, title="Map", prompts={}))) == set()
    sam_prompt = incongruence(ALEXIS[1])
    assert marked(parse(draw(ALEXIS, title="Map", prompts={2: sam_prompt}))) == {2}


def test_movement_is_drawn_only_for_people_whose_ring_changed():
    previous = {1: 3, 2: 2, 3: 5, 77: 1}  # Diane stayed; 77 is not on this map
    root = parse(draw(ALEXIS, title="Map", previous=previous))
    moved = [g for g in root.iter(f"{SVG}g") if g.get("class") == "movement"]
    assert {g.get("data-person-id") for g in moved} == {"1", "3"}
    assert all(g.find(f"{SVG}path").get("marker-end") for g in moved)
    [mother] = [g for g in people_groups(root) if g.get("data-person-id") == "1"]
    assert "Was in ring 3." in mother.find(f"{SVG}title").text


def test_no_previous_map_draws_no_movement():
    assert 'class="movement"' not in draw(ALEXIS, title="Map")


def test_two_maps_on_one_page_have_their_own_ids():
    first, second = (
        draw(ALEXIS, title="A"),
        draw(ALEXIS, title="B", ident="client-map", previous={1: 3}),
    )
    assert 'id="bullseye-title"' in first
    assert 'id="client-map-title"' in second and "url(#client-map-arrow)" in second


def test_the_legend_names_the_types_the_marks_show():
    svg = draw(ALEXIS, title="Map")
    for label in ("Family", "Friendship", "Professional"):
        assert f">{label}</text>" in svg
    # Mother's second type and the employer's are in their titles, not on their marks.
    for label in ("Parent and child", "Transactional", "Romantic"):
        assert f">{label}</text>" not in svg


def test_an_empty_map_still_draws():
    root = parse(draw([], title="Not started"))
    assert people_groups(root) == []
    assert "0 people" in root.find(f"{SVG}desc").text


def test_the_text_alternative_lists_everyone_ring_by_ring():
    rings = text_alternative(ALEXIS, previous={1: 3})
    assert [r.heading for r in rings] == [
        "Ring 1 (closest)",
        "Ring 2",
        "Ring 3",
        "Ring 4",
        "Ring 5 (furthest)",
    ]
    assert rings[0].people == ()
    assert rings[1].people == (
        "Diane: friendship; shows 3 of 14 components. "
        "Diane sits in ring 2 but shows 3 of 14 components: worth exploring?",
        "Mother: family, parent and child; shows 11 of 14 components. Was in ring 3.",
    )
    assert [len(r.people) for r in rings] == [0, 2, 0, 2, 0]


def test_a_person_with_no_type_yet_is_described_as_such():
    assert describe(Entry(1, "Kim", 3, frozenset(), {})) == (
        "Kim: ring 3; no type named; shows 0 of 14 components."
    )


@pytest.mark.parametrize("ring", [1, 3, 5])
def test_forty_people_in_one_ring_widen_it_instead_of_overlapping(ring):
    crowd = [Entry(i, f"Person {i:02}", ring, frozenset({"casual"}), {}) for i in range(40)]
    geometry = layout(crowd)
    boxes = [p.label_box for p in geometry.placed]
    assert not any(
        overlaps(a, b) for i, a in enumerate(boxes) for j, b in enumerate(boxes) if i < j
    )


def test_earlier_positions_keep_clear_of_the_people_drawn_now():
    people = forty()
    geometry = layout(people)
    for p in geometry.placed[::4]:
        earlier = p.entry.ring % 5 + 1
        x, y = geometry.earlier_point(earlier, p)
        distance = math.hypot(x - geometry.cx, y - geometry.cy)
        assert abs(distance - geometry.mids[earlier - 1]) < 1e-6
        assert (x - geometry.cx) * p.side > 0
        for other in geometry.placed:
            assert math.hypot(other.x - x, other.y - y) > 2 * MARK_RADIUS

import datetime
import itertools
import xml.etree.ElementTree as ET

import pytest

from kithkin.core.trajectory import (
    BAND_FILLS,
    INK,
    Band,
    Point,
    TrajectoryError,
    text_alternative,
    trajectory_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
PHQ9_BANDS = (
    Band(0, 4, "Minimal"),
    Band(5, 9, "Mild"),
    Band(10, 14, "Moderate"),
    Band(15, 19, "Moderately severe"),
    Band(20, 27, "Severe"),
)
# Carol's PHQ-9: session 3 was left incomplete.
CAROL = (
    Point(1, 18, datetime.date(2026, 3, 2)),
    Point(2, 16),
    Point(3, None),
    Point(4, 12),
    Point(5, 9),
)


def draw(points=CAROL, **overrides) -> ET.Element:
    options = {"bands": PHQ9_BANDS, "y_max": 27, "title": "Carol's PHQ-9"} | overrides
    return ET.fromstring(trajectory_svg(points, **options))  # noqa: S314 (our own output)


def contrast(one: str, two: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def points_drawn(svg: ET.Element) -> dict[int, ET.Element]:
    return {
        int(c.get("data-session")): c for c in svg.iter(f"{SVG}circle") if c.get("class") == "point"
    }


def test_it_is_an_image_named_by_its_title_and_described_by_its_desc():
    svg = draw()
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title.text == "Carol's PHQ-9"
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_every_band_is_shaded_and_labelled():
    svg = draw()
    bands = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "band"]
    assert [(g.get("data-low"), g.get("data-high")) for g in bands] == [
        ("0", "4"),
        ("5", "9"),
        ("10", "14"),
        ("15", "19"),
        ("20", "27"),
    ]
    labels = [g.find(f"{SVG}text").text for g in bands]
    assert labels == [
        "Minimal 0\N{EN DASH}4",
        "Mild 5\N{EN DASH}9",
        "Moderate 10\N{EN DASH}14",
        "Moderately severe 15\N{EN DASH}19",
        "Severe 20\N{EN DASH}27",
    ]
    for g in bands:
        assert float(g.find(f"{SVG}rect").get("height")) > 0


def test_neighbouring_bands_meet_without_a_gap_and_fill_the_scale():
    svg = draw()
    rects = [g.find(f"{SVG}rect") for g in svg.iter(f"{SVG}g") if g.get("class") == "band"]
    spans = [(float(r.get("y")), float(r.get("y")) + float(r.get("height"))) for r in rects]
    for below, above in itertools.pairwise(spans):
        assert above[1] == pytest.approx(below[0])
    axis = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "y-tick"]
    zero = float(axis[0].get("y1"))
    assert spans[0][1] == pytest.approx(zero)


def test_each_score_sits_inside_its_own_band():
    svg = draw([Point(1, 4), Point(2, 5), Point(3, 27), Point(4, 0)])
    rects = {
        g.get("data-low"): g.find(f"{SVG}rect")
        for g in svg.iter(f"{SVG}g")
        if g.get("class") == "band"
    }

    def inside(session: int, low: str) -> bool:
        cy = float(points_drawn(svg)[session].get("cy"))
        rect = rects[low]
        top = float(rect.get("y"))
        return top <= cy <= top + float(rect.get("height"))

    assert inside(1, "0") and not inside(1, "5")
    assert inside(2, "5") and not inside(2, "0")
    assert inside(3, "20")
    assert inside(4, "0")


def test_every_score_is_a_point_and_higher_scores_sit_higher():
    drawn = points_drawn(draw())
    assert sorted(drawn) == [1, 2, 4, 5]
    assert [drawn[n].get("data-score") for n in (1, 2, 4, 5)] == ["18", "16", "12", "9"]
    heights = [float(drawn[n].get("cy")) for n in (1, 2, 4, 5)]
    assert heights == sorted(heights)  # falling scores, so y grows down the page
    xs = [float(drawn[n].get("cx")) for n in (1, 2, 4, 5)]
    assert xs == sorted(xs)


def test_an_incomplete_score_is_a_gap_in_the_line_never_a_0():
    svg = draw()
    assert 3 not in points_drawn(svg)
    (line,) = [p for p in svg.iter(f"{SVG}path") if p.get("class") == "trajectory-line"]
    runs = line.get("d").split("M")[1:]
    assert [run.count("L") + 1 for run in runs] == [2, 2]  # sessions 1-2, then 4-5
    (missing,) = [m for m in svg.iter(f"{SVG}line") if m.get("class") == "missing"]
    assert missing.get("data-session") == "3"
    assert missing.find(f"{SVG}title").text == "Session 3: no complete score"
    legend = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "legend")
    assert "no complete score" in legend.find(f"{SVG}text").text


def test_a_score_alone_between_gaps_is_a_point_without_a_line():
    svg = draw([Point(1, None), Point(2, 12), Point(3, None)])
    assert list(points_drawn(svg)) == [2]
    assert not [p for p in svg.iter(f"{SVG}path") if p.get("class") == "trajectory-line"]


def test_the_text_alternative_lists_every_session():
    desc = draw().find(f"{SVG}desc").text
    for phrase in (
        "Session 1 (2 Mar 2026): 18, Moderately severe",
        "Session 2: 16, Moderately severe",
        "Session 3: no complete score",
        "Session 4: 12, Moderate",
        "Session 5: 9, Mild",
        "Bands: Minimal 0 to 4, Mild 5 to 9",
    ):
        assert phrase in desc
    assert text_alternative(CAROL, bands=PHQ9_BANDS) == (
        "Session 1 (2 Mar 2026): 18, Moderately severe",
        "Session 2: 16, Moderately severe",
        "Session 3: no complete score",
        "Session 4: 12, Moderate",
        "Session 5: 9, Mild",
    )


def test_every_point_has_its_own_title():
    for session, circle in points_drawn(draw()).items():
        assert circle.find(f"{SVG}title").text.startswith(f"Session {session}")


def test_points_are_ordered_by_session_whatever_order_they_come_in():
    assert text_alternative(tuple(reversed(CAROL)), bands=PHQ9_BANDS) == text_alternative(
        CAROL, bands=PHQ9_BANDS
    )


def test_axis_ticks_cover_the_scale_and_each_session():
    svg = draw()
    y_ticks = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "y-tick"]
    assert len(y_ticks) == 6  # 0, 5, 10, 15, 20, 25
    x_ticks = [
        line.get("data-session") for line in svg.iter(f"{SVG}line") if line.get("class") == "x-tick"
    ]
    assert x_ticks == ["1", "2", "3", "4", "5"]
    texts = {t.text for t in svg.iter(f"{SVG}text")}
    assert {"0", "5", "10", "15", "20", "25", "Session", "Score"} <= texts


def test_a_malicious_title_and_band_label_are_text_not_markup():
    title = '</title><script>alert("x")</script>&amp;'
    svg = draw(title=title, bands=(Band(0, 27, "<b onclick='x'>All</b>"),))
    assert svg.find(f"{SVG}title").text == title
    assert not list(svg.iter(f"{SVG}script"))
    assert not list(svg.iter("script"))
    assert not [e for e in svg.iter() if "onclick" in e.attrib]
    band = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "band")
    assert band.find(f"{SVG}text").text.startswith("<b onclick='x'>All</b>")


def test_control_characters_cannot_break_the_drawing():
    svg = draw(title="Carol\x00\x1b's PHQ-9")
    assert svg.find(f"{SVG}title").text == "Carol's PHQ-9"


def test_an_ident_keeps_two_drawings_apart_and_cannot_inject():
    svg = draw(ident='gad7" onload="x')
    assert svg.find(f"{SVG}title").get("id") == "gad7--onload--x-title"
    assert "onload" not in svg.attrib


def test_all_text_is_at_least_4_5_to_1_on_white_and_on_every_band():
    svg = draw()
    fills = {t.get("fill") for t in svg.iter(f"{SVG}text")}
    for fill in fills:
        assert contrast(fill, "#FFFFFF") >= 4.5, fill
    for band in BAND_FILLS:
        assert contrast(INK, band) >= 4.5, band


def test_no_scores_yet_still_draws_the_bands():
    svg = draw(())
    assert svg.find(f"{SVG}desc").text.startswith("No scores yet.")
    assert len([g for g in svg.iter(f"{SVG}g") if g.get("class") == "band"]) == 5


def test_a_single_session_is_centred():
    (circle,) = points_drawn(draw([Point(1, 10)])).values()
    assert float(circle.get("cx")) > 100


def test_a_band_can_bring_its_own_colour():
    svg = draw(bands=(Band(0, 27, "All", fill="#FFFFFF"),))
    assert next(svg.iter(f"{SVG}rect")).get("fill") == "#FFFFFF"


def test_many_sessions_thin_the_session_labels_but_keep_every_tick():
    points = [Point(n, n % 27) for n in range(1, 41)]
    svg = draw(points)
    x_ticks = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "x-tick"]
    assert len(x_ticks) == 40
    labels = {t.text for t in svg.iter(f"{SVG}text")}
    assert "40" in labels and "1" in labels
    assert "2" not in labels or "3" not in labels


@pytest.mark.parametrize(
    ("points", "options"),
    [
        ([Point(1, 28)], {}),
        ([Point(1, -1)], {}),
        ([Point(1, 3), Point(1, 4)], {}),
        ([], {"y_max": 0}),
        ([], {"y_max": float("nan")}),
        ([], {"bands": (Band(0, 10, "A"), Band(10, 20, "B"))}),
        ([], {"bands": (Band(0, 30, "Beyond"),)}),
    ],
)
def test_scores_and_bands_the_scale_cannot_hold_are_refused(points, options):
    with pytest.raises(TrajectoryError):
        draw(points, **options)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Band(5, 4, "Backwards"),
        lambda: Band(0, 4, "  "),
        lambda: Band(0, 4, "Red", fill="red;stroke:url(x)"),
        lambda: Point(0, 3),
        lambda: Point(1, float("inf")),
        lambda: Point(1, True),
    ],
)
def test_impossible_bands_and_points_are_refused(build):
    with pytest.raises(TrajectoryError):
        build()


def test_a_small_scale_gets_round_ticks():
    svg = draw([Point(1, 0.5)], bands=(), y_max=1)
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks == ["0", "0.2", "0.4", "0.6", "0.8", "1"]


def test_the_text_alternative_finds_the_band_whatever_order_the_bands_come_in():
    lines = text_alternative([Point(1, 27)], bands=tuple(reversed(PHQ9_BANDS)))
    assert lines == ("Session 1: 27, Severe",)

"""make capacity's SVG chart (capacity/chart.py) and the report that writes it."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from capacity import chart as charts
from capacity import report
from capacity.chart import Series, line_chart, nice_ticks
from constructs_lib.capacity_model import STEP

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("high", "expected"),
    [
        (100, [0, 20, 40, 60, 80, 100]),
        (30, [0, 10, 20, 30]),
        (0.7, [0, 0.2, 0.4, 0.6, 0.8]),
        (12_345, [0, 5000, 10_000, 15_000]),
        (0, [0, 1]),
    ],
)
def test_ticks_start_at_zero_and_reach_the_highest_value_in_round_steps(
    high: float, expected: list[float]
) -> None:
    assert nice_ticks(high) == expected


@pytest.mark.parametrize("high", [0.013, 1, 7, 99.9, 250, 4096, 1e6])
def test_every_tick_step_is_one_two_or_five_times_a_power_of_ten(high: float) -> None:
    ticks = nice_ticks(high)
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5)
    assert ticks[0] == 0
    assert ticks[-1] >= high > ticks[-2]


def label(polyline: ElementTree.Element) -> str | None:
    title = polyline.find(f"{SVG}title")
    assert title is not None, "every line has a title (its legend label)"
    return title.text


def points(polyline: ElementTree.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in polyline.attrib["points"].split())]


def test_each_series_is_a_line_of_one_point_per_x_inside_the_plot_area() -> None:
    xs = [0.0, 1.0, 2.0, 3.0]
    chart = line_chart(
        "a <title> & more",
        "x",
        "y",
        xs,
        [Series("flat", "black", [10, 10, 10, 10], dashed=True), Series("rising", "red", [0, 5, 10, 20])],
    )
    root = ElementTree.fromstring(chart)  # well-formed, the title's < and & escaped
    assert root.tag == f"{SVG}svg"
    assert root.attrib["width"] == str(charts.WIDTH)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"a <title> & more", "flat", "rising"} <= set(texts)
    lines = {label(line): line for line in root.iter(f"{SVG}polyline")}
    rising, flat = points(lines["rising"]), points(lines["flat"])
    assert len(rising) == len(flat) == len(xs)
    bottom = charts.HEIGHT - charts.MARGIN_BOTTOM
    assert rising[0] == (charts.MARGIN_LEFT, bottom)  # (0, 0) is the plot's bottom left corner
    assert all(charts.MARGIN_TOP <= y <= bottom for _, y in rising + flat)
    assert [x for x, _ in rising] == sorted(x for x, _ in rising)
    assert rising[-1][1] < flat[-1][1] == flat[0][1]  # 20 is drawn above 10; a flat line stays level
    assert "stroke-dasharray" in lines["flat"].attrib
    assert "stroke-dasharray" not in lines["rising"].attrib


def test_a_series_of_another_length_is_refused() -> None:
    with pytest.raises(ValueError, match="one value per x"):
        line_chart("t", "x", "y", [0, 1, 2], [Series("short", "red", [1, 2])])


def test_make_capacity_writes_the_report_and_one_chart_per_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The step scenario only: what is written is under test here, not the scenarios (their model
    # has tests of its own), and a simulated day costs most of a second.
    monkeypatch.setattr(report, "SCENARIOS", [STEP])
    settings = tmp_path / "settings.toml"
    settings.write_text('environments = ["dev", "prod"]\n')
    assert report.main({"DATA_API_SETTINGS": str(settings), "CAPACITY_OUT": str(tmp_path / "out")}) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["report.json", "step-dev.svg", "step-prod.svg"]
    chart = ElementTree.parse(tmp_path / "out" / "step-dev.svg").getroot()
    assert sorted(label(line) or "" for line in chart.iter(f"{SVG}polyline")) == [
        "offered requests/s",
        "stored/s, on demand",
        "stored/s, provisioned (autoscaling)",
    ]
    rows = json.loads((tmp_path / "out" / "report.json").read_text())["scenarios"]
    assert {(row["environment"], row["scenario"]) for row in rows} == {("dev", "step"), ("prod", "step")}
    assert "step-dev.svg, step-prod.svg" in capsys.readouterr().out

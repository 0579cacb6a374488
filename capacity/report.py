"""`make capacity`: throttling and monthly cost of each environment under each scenario, in both
billing modes; a table on the terminal, report.json and a plot of the step scenario (SVG).

CAPACITY_OUT chooses the folder (default .build/capacity). Settings as for synth.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from capacity import prices
from capacity.chart import Series, line_chart
from capacity.cost import monthly_cost
from constructs_lib.capacity_model import SCENARIOS, STEP, WritePath
from constructs_lib.contract import PROJECT_ROOT
from constructs_lib.settings import BILLING_MODES, Settings, SettingsError, load

DEFAULT_OUT = PROJECT_ROOT / ".build" / "capacity"


def scenario_rows(settings: Settings) -> list[dict[str, Any]]:
    rows = []
    for mode in BILLING_MODES:
        path = WritePath.of(settings, billing_mode=mode)
        for scenario in SCENARIOS:
            result = scenario.run(path)
            rows.append(
                {
                    "environment": settings.environment,
                    "billing_mode": mode,
                    "scenario": scenario.name,
                    "throttled_write_fraction": round(result.throttled_write_fraction, 4),
                    "seconds_until_no_throttling": result.seconds_until_no_throttling,
                    "peak_503_per_second": round(result.peak_503_per_second, 1),
                    "monthly_cost_usd": monthly_cost(settings, path, result),
                }
            )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    header = (
        "environment",
        "billing",
        "scenario",
        "throttled",
        "until no 503 (s)",
        "peak 503/s",
        "USD/month",
    )
    lines = [
        (
            r["environment"],
            r["billing_mode"],
            r["scenario"],
            f"{r['throttled_write_fraction']:.1%}",
            str(r["seconds_until_no_throttling"]),
            f"{r['peak_503_per_second']:.1f}",
            f"{r['monthly_cost_usd']['total']:.2f}",
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines, strict=True)]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) for line in [header, *lines]
    )


def plot_step(settings: Settings, path: Path) -> None:
    """Offered vs stored writes per second in the step scenario, provisioned vs on demand, as SVG."""
    provisioned = STEP.run(WritePath.of(settings, billing_mode="provisioned"))
    on_demand = STEP.run(WritePath.of(settings, billing_mode="on_demand"))
    minutes = [t / 60 for t in range(len(provisioned.offered))]
    title = (
        f"{settings.stack_name}: a step to {settings.throttle_rate_limit} requests/s "
        f"(write_capacity={settings.write_capacity}, every request keyed)"
    )
    series = [
        Series("offered requests/s", "black", provisioned.offered, dashed=True),
        Series("stored/s, on demand", "#2ca02c", on_demand.stored),
        Series("stored/s, provisioned (autoscaling)", "#d62728", provisioned.stored),
    ]
    path.write_text(
        line_chart(title, "minutes after the step from idle", "requests per second", minutes, series)
    )


def main(env: dict[str, str] | None = None) -> int:
    env = dict(os.environ if env is None else env)
    try:
        all_settings = [r.settings for r in load(env)]
    except SettingsError as error:
        print(f"data-api: error: {error}", file=sys.stderr)
        return 1
    out = Path(env.get("CAPACITY_OUT") or DEFAULT_OUT)
    out.mkdir(parents=True, exist_ok=True)
    rows = [row for settings in all_settings for row in scenario_rows(settings)]
    print(table(rows))
    document = {
        "prices": {"region": prices.REGION, "taken": prices.PRICES_TAKEN, "sources": list(prices.SOURCES)},
        "scenarios": rows,
    }
    (out / "report.json").write_text(json.dumps(document, indent=2) + "\n")
    for settings in all_settings:
        plot_step(settings, out / f"step-{settings.environment}.svg")
    taken = f"{prices.REGION} list prices recorded {prices.PRICES_TAKEN}"
    print(f"\nprices: {taken} (capacity/prices.py names the pages)")
    print(f"written to {out}: report.json, " + ", ".join(f"step-{s.environment}.svg" for s in all_settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())

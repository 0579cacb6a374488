"""The capacity model against cases computed by hand, its monotonicity, and the cost model."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from capacity.cost import monthly_cost
from constructs_lib import capacity_model as model
from constructs_lib.capacity_model import (
    STEP,
    WritePath,
    capacity_warning,
    floor_that_avoids_throttling,
    simulate,
)
from constructs_lib.firewall_rules import FREE_CAPACITY_UNITS, capacity_units, rule_count
from constructs_lib.settings import Settings

DEFAULT = Settings(environment="dev")
# One write unit a request, no autoscaling (floor = ceiling): the arithmetic stays by hand.
FIXED = WritePath(
    rate=100,
    burst=50,
    billing_mode="provisioned",
    floor=5,
    ceiling=5,
    target=0.7,
    on_demand_cap=300,
    units_per_request=1,
)


def test_burst_credit_runs_out_at_the_second_the_arithmetic_says() -> None:
    # 5 WCU and a full credit of 300 s x 5 = 1,500 units; 100 writes/s drain it at 95 units/s:
    # after 15 s, 75 units are left, so second 15 stores 5 + 75 = 80, and from second 16 only 5.
    run = simulate(FIXED, [100.0] * 30)
    assert run.throttled[:15] == [0.0] * 15
    assert run.throttled[15] == pytest.approx(20)
    assert run.throttled[16:] == [pytest.approx(95)] * 14
    assert run.stored[16] == pytest.approx(5)


def test_the_token_bucket_admits_the_rate_plus_what_it_saved() -> None:
    run = simulate(replace(FIXED, floor=1000, ceiling=1000), [0.0, 400.0, 400.0, 80.0, 400.0])
    # A full bucket (50) and the rate (100): 150; then it is empty: 100; 80 saves 20; then 120.
    assert run.admitted == [0.0, 150.0, 100.0, 80.0, 120.0]


def test_no_throttling_when_the_floor_covers_the_rate() -> None:
    path = WritePath.of(replace(DEFAULT, write_capacity=200, max_write_capacity=300))  # 100 x 2 units
    assert STEP.run(path).throttled_write_fraction == 0.0


def test_on_demand_never_throttles_below_its_cap() -> None:
    path = replace(FIXED, billing_mode="on_demand", on_demand_cap=300, burst=500)
    under = simulate(path, [150.0, 300.0, 10.0, 300.0])
    assert sum(under.throttled) == 0.0
    over = simulate(path, [450.0])  # admitted 450 (rate 100 + burst 500 saved), cap 300
    assert over.throttled == [pytest.approx(150)]


def test_the_default_step_throttles_because_autoscaling_follows_consumed_capacity() -> None:
    run = STEP.run(WritePath.of(DEFAULT))
    assert run.throttled_write_fraction > 0.5
    first_increase = next(t for t, c in enumerate(run.capacity) if c > DEFAULT.write_capacity)
    # Two minutes above target, then the metric's delay and the UpdateTable.
    delays = model.METRIC_DELAY_SECONDS + model.UPDATE_TABLE_SECONDS
    assert first_increase >= model.SCALE_OUT_MINUTES * 60 + delays - 60
    steps = sorted(set(run.capacity))
    # Each step asks for what was consumed at the target, never what was throttled: at most x1/0.7
    # of the capacity before it, once the burst credit is spent.
    for before, after in itertools.pairwise(steps[1:]):
        assert after <= before / 0.7 + 1


SCENARIO = {s.name: s for s in model.SCENARIOS}
SHORT_DAY = replace(SCENARIO["daily"], offered=model.daily(6 * 3600))
"""The daily scenario over a six-hour day: the same shape in a quarter of the steps (make
capacity reports the whole day)."""


@pytest.mark.parametrize("scenario", [SCENARIO["step"], SHORT_DAY, SCENARIO["burst"]], ids=lambda s: s.name)
def test_a_higher_floor_never_throttles_more(scenario: model.Scenario) -> None:
    path = WritePath.of(DEFAULT)
    fractions = [
        scenario.run(replace(path, floor=floor)).throttled_write_fraction for floor in range(5, 301, 25)
    ]
    assert fractions == sorted(fractions, reverse=True)


def test_on_demand_with_the_derived_cap_serves_every_scenario() -> None:
    for scenario in model.SCENARIOS:
        run = scenario.run(WritePath.of(DEFAULT, billing_mode="on_demand"))
        assert run.throttled_write_fraction == 0.0, scenario.name


def test_synth_warns_for_the_default_floor_and_names_one_that_avoids_it() -> None:
    warning = capacity_warning(DEFAULT)
    floor = floor_that_avoids_throttling(DEFAULT)
    assert warning is not None
    assert floor is not None
    assert f"write_capacity={floor} keeps it under 5%" in warning
    assert "still after 30 minutes" in warning
    assert capacity_warning(replace(DEFAULT, write_capacity=floor)) is None
    assert STEP.run(WritePath.of(replace(DEFAULT, write_capacity=floor - 1))).throttled_write_fraction > 0.05
    assert capacity_warning(replace(DEFAULT, billing_mode="on_demand")) is None


def test_monthly_cost_has_every_component_and_follows_the_mode() -> None:
    provisioned = WritePath.of(DEFAULT)
    steady = simulate(replace(provisioned, floor=300), [100.0] * 600)
    cost = monthly_cost(DEFAULT, replace(provisioned, floor=300), steady)
    assert set(cost) == {
        "api_gateway", "lambda", "dynamodb_capacity", "dynamodb_storage", "dynamodb_pitr", "logs_ingestion",
        "logs_storage", "alarms", "dashboard", "kms", "xray", "waf", "total",
    }  # fmt: skip
    assert cost["waf"] == 0  # waf = off by default
    # 100 requests/s for 30 days is 259.2 million requests at $3.50 a million.
    assert cost["api_gateway"] == pytest.approx(907.2)
    # Two tables of 300 WCU and 5 RCU for 720 hours.
    assert cost["dynamodb_capacity"] == pytest.approx(2 * 720 * (300 * 0.00065 + 5 * 0.00013), abs=0.01)
    on_demand = WritePath.of(DEFAULT, billing_mode="on_demand")
    demand_cost = monthly_cost(DEFAULT, on_demand, simulate(on_demand, [100.0] * 600))
    # 259.2 million requests, 2 write units each, on 2 tables, at $0.625 a million units.
    assert demand_cost["dynamodb_capacity"] == pytest.approx(259.2 * 4 * 0.625, abs=0.01)
    assert demand_cost["alarms"] < cost["alarms"]  # no autoscaling alarms on demand
    assert cost["total"] == pytest.approx(sum(v for k, v in cost.items() if k != "total"), abs=0.05)


def test_the_firewall_costs_its_web_acl_its_rules_and_its_requests() -> None:
    """waf = count or block: $5 for the web ACL, $1 for each of its 4 rules, $0.60 a million requests."""
    path = replace(WritePath.of(DEFAULT), floor=300)
    steady = simulate(path, [100.0] * 600)
    for mode in ("count", "block"):
        cost = monthly_cost(replace(DEFAULT, waf=mode), path, steady)
        # 259.2 million requests a month.
        assert cost["waf"] == pytest.approx(5 + 4 * 1 + 259.2 * 0.60, abs=0.01)
    assert rule_count() == 4
    assert capacity_units() <= FREE_CAPACITY_UNITS  # requests at the base price

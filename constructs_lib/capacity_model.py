"""A deterministic, second-by-second model of one environment's write path: API Gateway's token
bucket, then the data table in provisioned mode (burst credit, target-tracking autoscaling) or on
demand. Pure: synth uses it for its capacity warning, `make capacity` for its report.

Every constant that stands for AWS behaviour names its source; where AWS publishes no number,
the comment says what is assumed and why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from constructs_lib.contract import FUNCTION_RULES
from constructs_lib.settings import TRANSACTION_WRITE_UNITS, Settings

# DynamoDB keeps up to 300 s of unused provisioned capacity as burst credit (best effort).
# https://repost.aws/knowledge-center/dynamodb-spiky-workloads-short-intervals
BURST_CREDIT_SECONDS = 300
# Target tracking scales out when consumed capacity stays above the target for 2 consecutive
# minutes, and in when it stays 20 points below the target for 15 consecutive minutes.
# https://repost.aws/knowledge-center/dynamodb-auto-scaling
SCALE_OUT_MINUTES = 2
SCALE_IN_MINUTES = 15
SCALE_IN_MARGIN = 0.20
# Assumed: CloudWatch publishes the 1-minute consumed-capacity datapoint about a minute late, and
# the UpdateTable that raises capacity takes about a minute to apply. AWS publishes neither number.
METRIC_DELAY_SECONDS = 60
UPDATE_TABLE_SECONDS = 60
# DynamoDB allows up to 27 decreases of provisioned capacity per table per day.
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
SCALE_INS_PER_DAY = 27
# On demand, a new table serves up to 4,000 write units/s at once, and any table instantly serves
# up to double its previous peak. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html
ON_DEMAND_INITIAL_WRITE_UNITS = 4000
ON_DEMAND_PEAK_MULTIPLIER = 2
# The function tries a write up to 3 times within a fraction of a second (lambda/ingest/budget.py): in a
# second whose capacity is spent, its retries meet the same spent capacity, so a throttled write
# becomes a 503. Assumed: retries never spill into the next second's capacity.
FUNCTION_ATTEMPTS: int = FUNCTION_RULES.MAX_ATTEMPTS
IDLE_SECONDS_BEFORE_STEP = BURST_CREDIT_SECONDS
"""The step scenario starts from a table idle long enough to hold its full burst credit."""


@dataclass(frozen=True)
class WritePath:
    """What the model needs of one environment: its settings, read once."""

    rate: float
    burst: float
    billing_mode: str
    floor: int
    ceiling: int
    target: float
    """Target utilization, 0 to 1."""
    on_demand_cap: int
    units_per_request: int
    """Write units one admitted request costs: the item's KB, twice when written in a transaction."""

    @classmethod
    def of(cls, settings: Settings, keyed_share: float = 1.0, billing_mode: str | None = None) -> WritePath:
        """``keyed_share``: the share of requests sent with an Idempotency-Key (a transaction);
        the default assumes every client sends one, the most a request can cost."""
        units = settings.assumed_item_size_kb * (TRANSACTION_WRITE_UNITS if keyed_share > 0 else 1)
        return cls(
            rate=settings.throttle_rate_limit,
            burst=settings.throttle_burst_limit,
            billing_mode=billing_mode or settings.billing_mode,
            floor=settings.write_capacity,
            ceiling=settings.max_write_capacity,
            target=settings.write_target_utilization_percent / 100,
            on_demand_cap=settings.effective_on_demand_max_write_units,
            units_per_request=units,
        )


@dataclass
class Simulation:
    """Per second: requests offered, admitted by API Gateway, stored, refused with a 503; the
    table's write capacity (provisioned, or what on demand could serve)."""

    offered: list[float] = field(default_factory=list)
    admitted: list[float] = field(default_factory=list)
    stored: list[float] = field(default_factory=list)
    throttled: list[float] = field(default_factory=list)
    capacity: list[float] = field(default_factory=list)

    @property
    def throttled_write_fraction(self) -> float:
        admitted = sum(self.admitted)
        return sum(self.throttled) / admitted if admitted else 0.0

    @property
    def seconds_until_no_throttling(self) -> int:
        """Seconds from the start until the last second with a 503 has passed (0: none)."""
        last = max((t for t, value in enumerate(self.throttled) if value > 1e-9), default=-1)
        return last + 1

    @property
    def peak_503_per_second(self) -> float:
        return max(self.throttled, default=0.0)


class _TokenBucket:
    """API Gateway's throttle at one-second steps: a second admits the rate plus what the bucket
    saved (at most the burst). Sub-second bursts are not resolved."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.saved = rate, burst, burst

    def admit(self, offered: float) -> float:
        admitted = min(offered, self.rate + self.saved)
        self.saved = min(self.burst, self.rate + self.saved - admitted)
        return admitted


class _ProvisionedTable:
    def __init__(self, path: WritePath) -> None:
        self.path = path
        self.provisioned = float(path.floor)
        self.credit = BURST_CREDIT_SECONDS * self.provisioned
        self.minute_consumed: list[float] = []
        self.current_minute = 0.0
        self.pending: list[tuple[int, float]] = []  # (second it applies, new capacity)
        self.scale_ins: list[int] = []

    def write(self, second: int, demand: float) -> float:
        """Units consumed this second (demand beyond capacity and credit is throttled)."""
        for applies, capacity in list(self.pending):
            if applies <= second:
                self.provisioned = capacity
                self.pending.remove((applies, capacity))
        available = self.provisioned + self.credit
        consumed = min(demand, available)
        self.credit = min(BURST_CREDIT_SECONDS * self.provisioned, self.credit + self.provisioned - consumed)
        self.current_minute += consumed
        if second % 60 == 59:
            self.minute_consumed.append(self.current_minute / 60)
            self.current_minute = 0.0
            self._autoscale(second)
        return consumed

    def _autoscale(self, second: int) -> None:
        """Target tracking on consumed capacity: throttled writes consume nothing, so the alarm
        only ever sees what the current capacity (and credit) let through."""
        if self.pending or self.path.floor >= self.path.ceiling:
            return
        target, minutes = self.path.target, self.minute_consumed

        def desired(used: float) -> int:
            """What target tracking asks for: the capacity at which ``used`` is the target."""
            return min(self.path.ceiling, max(self.path.floor, math.ceil(used / target)))

        applies = second + METRIC_DELAY_SECONDS + UPDATE_TABLE_SECONDS
        recent_out = minutes[-SCALE_OUT_MINUTES:]
        if len(recent_out) == SCALE_OUT_MINUTES and all(m > target * self.provisioned for m in recent_out):
            new = desired(recent_out[-1])
            if new > self.provisioned:
                self.pending.append((applies, float(new)))
            return
        recent_in = minutes[-SCALE_IN_MINUTES:]
        low = (target - SCALE_IN_MARGIN) * self.provisioned
        day = [s for s in self.scale_ins if s > second - 86400]
        if (
            len(recent_in) == SCALE_IN_MINUTES
            and all(m < low for m in recent_in)
            and len(day) < SCALE_INS_PER_DAY
        ):
            new = desired(max(recent_in))
            if new < self.provisioned:
                self.scale_ins.append(second)
                self.pending.append((applies, float(new)))


class _OnDemandTable:
    def __init__(self, path: WritePath) -> None:
        self.cap = float(path.on_demand_cap)
        self.peak = 0.0

    @property
    def provisioned(self) -> float:
        return min(self.cap, max(ON_DEMAND_INITIAL_WRITE_UNITS, ON_DEMAND_PEAK_MULTIPLIER * self.peak))

    def write(self, second: int, demand: float) -> float:
        consumed = min(demand, self.provisioned)
        self.peak = max(self.peak, consumed)
        return consumed


def simulate(path: WritePath, offered: Sequence[float]) -> Simulation:
    """Run the write path second by second over the offered requests per second."""
    bucket = _TokenBucket(path.rate, path.burst)
    table: _ProvisionedTable | _OnDemandTable = (
        _OnDemandTable(path) if path.billing_mode == "on_demand" else _ProvisionedTable(path)
    )
    result = Simulation()
    for second, requests in enumerate(offered):
        admitted = bucket.admit(requests)
        result.capacity.append(table.provisioned)
        consumed = table.write(second, admitted * path.units_per_request)
        stored = consumed / path.units_per_request
        result.offered.append(requests)
        result.admitted.append(admitted)
        result.stored.append(stored)
        result.throttled.append(admitted - stored)
    return result


def _tail(simulation: Simulation, start: int) -> Simulation:
    s = simulation
    series = (s.offered, s.admitted, s.stored, s.throttled, s.capacity)
    return Simulation(*(values[start:] for values in series))


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    offered: Callable[[WritePath], list[float]]
    warm_up_seconds: int = 0
    """Leading seconds that prepare the table (idle, filling credit) and are not reported."""

    def run(self, path: WritePath) -> Simulation:
        return _tail(simulate(path, self.offered(path)), self.warm_up_seconds)


STEP_MINUTES = 30


def _step(path: WritePath) -> list[float]:
    return [0.0] * IDLE_SECONDS_BEFORE_STEP + [path.rate] * (STEP_MINUTES * 60)


DAY_SECONDS = 86400


def daily(day_seconds: int = DAY_SECONDS) -> Callable[[WritePath], list[float]]:
    """A day with its peak at the stage's full rate at noon and nothing at midnight; the tests
    compress it (``day_seconds``), make capacity runs the whole day."""

    def offered(path: WritePath) -> list[float]:
        return [path.rate * (0.5 - 0.5 * math.cos(2 * math.pi * t / day_seconds)) for t in range(day_seconds)]

    return offered


def _bursts(path: WritePath) -> list[float]:
    # Every minute, one second with the most the stage admits (its rate plus its burst), else quiet.
    return [path.rate + path.burst if t % 60 == 0 else 0.0 for t in range(STEP_MINUTES * 60)]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "step",
        f"idle, then the stage's full rate for {STEP_MINUTES} minutes",
        _step,
        IDLE_SECONDS_BEFORE_STEP,
    ),
    Scenario("daily", "a day peaking at the stage's full rate at noon", daily()),
    Scenario("burst", "a burst at the stage's burst limit every minute", _bursts),
)
STEP = SCENARIOS[0]

WARNING_THRESHOLD = 0.05
"""Synth warns when the step scenario throttles more than this share of writes."""


def floor_that_avoids_throttling(settings: Settings, threshold: float = WARNING_THRESHOLD) -> int | None:
    """The lowest write_capacity at which the step scenario throttles no more than ``threshold``
    (None if even max_write_capacity does not). A higher floor never throttles more, so bisect."""
    path = WritePath.of(settings)
    low, high = path.floor, max(path.floor, path.ceiling)
    if STEP.run(replace(path, floor=high)).throttled_write_fraction > threshold:
        return None
    while low < high:
        middle = (low + high) // 2
        if STEP.run(replace(path, floor=middle)).throttled_write_fraction > threshold:
            low = middle + 1
        else:
            high = middle
    return low


def capacity_warning(settings: Settings) -> str | None:
    """One line when, in provisioned mode, the step from idle to the full rate throttles more
    than 5 % of writes: what happens, and the floor that would avoid it."""
    if settings.billing_mode != "provisioned":
        return None
    step = STEP.run(WritePath.of(settings))
    if step.throttled_write_fraction <= WARNING_THRESHOLD:
        return None
    floor = floor_that_avoids_throttling(settings)
    advice = (
        f"write_capacity={floor} keeps it under {WARNING_THRESHOLD:.0%}"
        if floor is not None
        else f"no floor up to max_write_capacity={settings.max_write_capacity} does"
    )
    lasting = (
        f"still after {STEP_MINUTES} minutes"
        if step.seconds_until_no_throttling >= STEP_MINUTES * 60
        else f"for {step.seconds_until_no_throttling} s"
    )
    return (
        f"{settings.environment}: a step from idle to {settings.throttle_rate_limit} requests/s would "
        f"throttle {step.throttled_write_fraction:.0%} of writes (503s), {lasting}, with "
        f"write_capacity={settings.write_capacity}; {advice}, or use billing_mode=on_demand "
        "(make capacity shows why)"
    )

"""The monthly cost of one environment at a traffic pattern (a scenario repeated all month)."""

from __future__ import annotations

from statistics import fmean

from capacity import prices
from constructs_lib.alarm_specs import alarm_specs
from constructs_lib.capacity_model import Simulation, WritePath
from constructs_lib.firewall_rules import rule_count
from constructs_lib.settings import Settings

MONTH_SECONDS = 30 * 86400
MONTH_HOURS = MONTH_SECONDS / 3600

# Assumed, no AWS number: one invocation takes about 20 ms (a PutItem or a two-item transaction,
# single-digit milliseconds each, plus the handler's ~0.1 ms of CPU that make bench measures).
LAMBDA_DURATION_SECONDS = 0.020
# Assumed from the formats: the function's JSON line (~250 bytes), Lambda's START/END/REPORT lines
# (~300), the access log line (~450) and API Gateway's execution log at INFO (~2,000).
LOG_BYTES_PER_REQUEST = 3000
# X-Ray's default sampling rule: the first request each second, then 5 % of the rest.
# https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html
XRAY_RESERVOIR_PER_SECOND = 1
XRAY_FIXED_RATE = 0.05
AUTOSCALING_ALARMS_PER_TABLE = 4
"""Target tracking creates four CloudWatch alarms for each scaled table (high, low, and two on
provisioned capacity), billed like any alarm."""
TABLES = 2
"""The data table and the idempotency table (every request assumed keyed: both are written)."""


def monthly_cost(settings: Settings, path: WritePath, simulation: Simulation) -> dict[str, float]:
    """US dollars a month, by component, for the simulated traffic repeated all month."""
    requests = fmean(simulation.admitted) if simulation.admitted else 0.0
    stored = fmean(simulation.stored) if simulation.stored else 0.0
    monthly_requests = requests * MONTH_SECONDS
    monthly_items = stored * MONTH_SECONDS
    on_demand = path.billing_mode == "on_demand"
    if on_demand:
        write_units = monthly_items * path.units_per_request * TABLES
        capacity = write_units / 1e6 * prices.DYNAMODB_PER_MILLION_WRITE_REQUEST_UNITS
    else:
        provisioned = fmean(simulation.capacity) if simulation.capacity else float(path.floor)
        capacity = (
            TABLES
            * MONTH_HOURS
            * (
                provisioned * prices.DYNAMODB_PER_WCU_HOUR
                + settings.read_capacity * prices.DYNAMODB_PER_RCU_HOUR
            )
        )
    stored_gb = monthly_items * settings.assumed_item_size_kb / 1024**2
    log_gb_per_day = requests * 86400 * LOG_BYTES_PER_REQUEST / 1024**3
    traced = min(requests, XRAY_RESERVOIR_PER_SECOND) + XRAY_FIXED_RATE * max(0.0, requests - 1)
    memory_gb = settings.lambda_memory_mb / 1024
    # The stack's own alarms, counted from their definitions (names do not matter for the count).
    own_alarms = len(alarm_specs(settings, "api", "function", "table", "idempotency"))
    alarms = own_alarms + (0 if on_demand else AUTOSCALING_ALARMS_PER_TABLE * TABLES)
    cost = {
        "api_gateway": monthly_requests / 1e6 * prices.API_GATEWAY_REST_PER_MILLION_REQUESTS,
        "lambda": monthly_requests / 1e6 * prices.LAMBDA_PER_MILLION_REQUESTS
        + monthly_requests * memory_gb * LAMBDA_DURATION_SECONDS * prices.LAMBDA_PER_GB_SECOND,
        "dynamodb_capacity": capacity,
        "dynamodb_storage": stored_gb * prices.DYNAMODB_STORAGE_PER_GB_MONTH,
        "dynamodb_pitr": stored_gb * prices.DYNAMODB_PITR_PER_GB_MONTH,
        "logs_ingestion": log_gb_per_day * 30 * prices.LOGS_INGESTION_PER_GB,
        "logs_storage": log_gb_per_day * settings.log_retention_days * prices.LOGS_STORAGE_PER_GB_MONTH,
        "alarms": alarms * prices.ALARM_PER_MONTH,
        "dashboard": prices.DASHBOARD_PER_MONTH,
        "kms": prices.KMS_KEY_PER_MONTH,  # its requests are few: DynamoDB and Logs cache data keys
        "xray": (
            traced * MONTH_SECONDS / 1e6 * prices.XRAY_PER_MILLION_TRACES if settings.tracing_enabled else 0.0
        ),
        # The firewall inspects every request that reaches the stage, admitted by it or not.
        "waf": (
            prices.WAF_WEB_ACL_PER_MONTH
            + rule_count() * prices.WAF_RULE_PER_MONTH
            + monthly_requests / 1e6 * prices.WAF_PER_MILLION_REQUESTS
            if settings.waf != "off"
            else 0.0
        ),
    }
    rounded = {name: round(value, 2) for name, value in cost.items()}
    rounded["total"] = round(sum(cost.values()), 2)
    return rounded

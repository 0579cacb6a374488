"""The us-east-1 list prices the cost model uses, in one place, each with its source page.

Recorded on PRICES_TAKEN from the AWS pricing pages named here, without free tiers, savings plans
or reserved capacity. This machine cannot reach those pages: check them before you budget.
"""

from __future__ import annotations

PRICES_TAKEN = "2026-11-26"
REGION = "us-east-1"

# https://aws.amazon.com/api-gateway/pricing/ (REST APIs, first 333 million requests a month)
API_GATEWAY_REST_PER_MILLION_REQUESTS = 3.50
# https://aws.amazon.com/lambda/pricing/ (x86)
LAMBDA_PER_MILLION_REQUESTS = 0.20
LAMBDA_PER_GB_SECOND = 0.0000166667
# https://aws.amazon.com/dynamodb/pricing/provisioned/
DYNAMODB_PER_WCU_HOUR = 0.00065
DYNAMODB_PER_RCU_HOUR = 0.00013
# https://aws.amazon.com/dynamodb/pricing/on-demand/
DYNAMODB_PER_MILLION_WRITE_REQUEST_UNITS = 0.625
# https://aws.amazon.com/dynamodb/pricing/ (standard table class storage, continuous backups)
DYNAMODB_STORAGE_PER_GB_MONTH = 0.25
DYNAMODB_PITR_PER_GB_MONTH = 0.20
# https://aws.amazon.com/cloudwatch/pricing/
LOGS_INGESTION_PER_GB = 0.50
LOGS_STORAGE_PER_GB_MONTH = 0.03
ALARM_PER_MONTH = 0.10  # standard resolution
DASHBOARD_PER_MONTH = 3.00
# https://aws.amazon.com/kms/pricing/
KMS_KEY_PER_MONTH = 1.00
# https://aws.amazon.com/xray/pricing/
XRAY_PER_MILLION_TRACES = 5.00

# https://aws.amazon.com/waf/pricing/ (a web ACL, each rule or managed rule group, requests at up
# to 1,500 WCUs and the default body inspection size; the baseline managed rule groups carry no
# subscription fee)
WAF_WEB_ACL_PER_MONTH = 5.00
WAF_RULE_PER_MONTH = 1.00
WAF_PER_MILLION_REQUESTS = 0.60

SOURCES: tuple[str, ...] = (
    "https://aws.amazon.com/api-gateway/pricing/",
    "https://aws.amazon.com/lambda/pricing/",
    "https://aws.amazon.com/dynamodb/pricing/",
    "https://aws.amazon.com/cloudwatch/pricing/",
    "https://aws.amazon.com/kms/pricing/",
    "https://aws.amazon.com/xray/pricing/",
    "https://aws.amazon.com/waf/pricing/",
)

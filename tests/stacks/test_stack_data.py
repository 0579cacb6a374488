"""The data key and the table: rotation, key policy, key schema, capacity and autoscaling."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest

from constructs_lib.policies import CRYPTOGRAPHIC_ACTIONS, ROOT_ADMIN_SID
from tests.conftest import SynthesizedStack, Variant

DATA = "data_table/table"

PARTITION = "${data.aws_partition.current_partition.partition}"
ROOT = f"arn:{PARTITION}:iam::${{data.aws_caller_identity.current_account.account_id}}:root"
ACCOUNT = "${data.aws_caller_identity.current_account.account_id}"
DNS = "${data.aws_partition.current_partition.dns_suffix}"


def key_statements(stack: SynthesizedStack) -> dict[str, dict[str, Any]]:
    policy = json.loads(stack.resource("aws_kms_key")["policy"])
    assert policy["Version"] == "2012-10-17"
    return {s["Sid"]: s for s in policy["Statement"]}


def test_data_key_rotates_and_has_a_deletion_window_and_alias(dev: SynthesizedStack) -> None:
    key = dev.resource("aws_kms_key")
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30
    alias = dev.resource("aws_kms_alias")
    assert alias["name"] == "alias/data-api-dev-data"
    assert alias["target_key_id"] == f"${{{dev.ref('aws_kms_key')}.key_id}}"


def test_key_policy_has_exactly_these_statements(dev: SynthesizedStack) -> None:
    assert set(key_statements(dev)) == {
        ROOT_ADMIN_SID,
        "AccountUsesViaDynamoDB",
        "AccountUsesViaCloudWatchLogs",
        "AccountDescribesKeyViaCloudWatchLogs",
        "DynamoDBReadsKeyMetadata",
        "CloudWatchLogsEncryptsStackLogGroups",
        "CloudWatchAlarmsPublishToTopic",
    }
    assert all(s["Effect"] == "Allow" for s in key_statements(dev).values())


def test_the_root_administers_the_key_without_using_it(dev: SynthesizedStack) -> None:
    admin = key_statements(dev)[ROOT_ADMIN_SID]
    assert admin["Principal"] == {"AWS": ROOT}
    assert "Condition" not in admin
    actions = set(admin["Action"])
    # Never locked out: policy changes and both halves of deletion stay with the account.
    assert {"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"} <= actions
    assert not any(a == "kms:*" or a.endswith("*") for a in actions)
    assert not actions & set(CRYPTOGRAPHIC_ACTIONS)


def test_no_statement_grants_the_root_cryptographic_use_without_a_condition(dev: SynthesizedStack) -> None:
    for statement in key_statements(dev).values():
        if statement["Principal"] != {"AWS": ROOT} or statement.get("Condition"):
            continue
        for action in statement["Action"]:
            granted = [c for c in CRYPTOGRAPHIC_ACTIONS if fnmatch.fnmatchcase(c, action)]
            assert not granted, (statement["Sid"], action, granted)


def test_key_policy_lets_the_account_use_the_key_only_via_dynamodb(dev: SynthesizedStack) -> None:
    use = key_statements(dev)["AccountUsesViaDynamoDB"]
    assert use["Principal"] == {"AWS": ROOT}
    assert "kms:*" not in use["Action"]
    assert {"kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant"} <= set(use["Action"])
    # kms:ViaService ends in amazonaws.com in every partition, never in the partition's DNS suffix.
    assert use["Condition"] == {
        "StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT}
    }


def test_via_service_values_are_amazonaws_com_in_every_region(eu_region: Variant) -> None:
    policy = eu_region.stack.resource("aws_kms_key")["policy"]
    assert "dynamodb.eu-west-1.amazonaws.com" in policy
    assert "ViaService" in policy
    assert f"dynamodb.eu-west-1.{DNS}" not in policy


def test_dynamodb_service_reads_the_key_metadata_only(dev: SynthesizedStack) -> None:
    read = key_statements(dev)["DynamoDBReadsKeyMetadata"]
    assert read["Principal"] == {"Service": f"dynamodb.{DNS}"}
    assert sorted(read["Action"]) == ["kms:Describe*", "kms:Get*", "kms:List*"]


def test_key_policy_admits_logs_only_for_this_stacks_log_groups(dev: SynthesizedStack) -> None:
    logs = key_statements(dev)["CloudWatchLogsEncryptsStackLogGroups"]
    assert logs["Principal"] == {"Service": f"logs.us-east-1.{DNS}"}
    assert "kms:Describe*" not in logs["Action"]  # no encryption context there: never admitted
    arns = logs["Condition"]["StringEquals"]["kms:EncryptionContext:aws:logs:arn"]
    assert not any("*" in arn for arn in arns)
    prefix = f"arn:${{data.aws_partition.current_partition.partition}}:logs:us-east-1:{ACCOUNT}:log-group:"
    assert sorted(arns) == sorted(
        [
            prefix + "/aws/lambda/data-api-dev-ingest",
            prefix + "/aws/apigateway/data-api-dev-access",
            prefix + f"API-Gateway-Execution-Logs_${{{dev.ref('aws_api_gateway_rest_api')}.id}}/dev",
        ]
    )
    # Every log group of the stack is admitted, and nothing else.
    names = {g["name"] for g in dev.resources("aws_cloudwatch_log_group").values()}
    assert {arn.removeprefix(prefix) for arn in arns} == names


def test_key_policy_lets_cloudwatch_publish_to_the_encrypted_topic(dev: SynthesizedStack) -> None:
    publish = key_statements(dev)["CloudWatchAlarmsPublishToTopic"]
    assert publish["Principal"] == {"Service": f"cloudwatch.{DNS}"}
    assert sorted(publish["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    # SNS documents this statement without a condition; a kms:ViaService one would drop every alarm.
    assert "Condition" not in publish


def test_table_key_schema_and_attributes(dev: SynthesizedStack) -> None:
    table = dev.resource("aws_dynamodb_table", DATA)
    assert table["name"] == "data-api-dev-data"
    assert (table["hash_key"], table["range_key"]) == ("id", "timestamp")
    assert table["attribute"] == [{"name": "id", "type": "S"}, {"name": "timestamp", "type": "S"}]


def test_table_is_provisioned_at_5_rcu_5_wcu(dev: SynthesizedStack) -> None:
    table = dev.resource("aws_dynamodb_table", DATA)
    assert table["billing_mode"] == "PROVISIONED"
    assert (table["read_capacity"], table["write_capacity"]) == (5, 5)


def test_table_is_encrypted_with_the_data_key_and_recoverable(dev: SynthesizedStack) -> None:
    table = dev.resource("aws_dynamodb_table", DATA)
    assert table["server_side_encryption"] == {
        "enabled": True,
        "kms_key_arn": f"${{{dev.ref('aws_kms_key')}.arn}}",
    }
    assert table["point_in_time_recovery"] == {"enabled": True}


def test_only_the_prod_table_is_deletion_protected(dev: SynthesizedStack, prod: SynthesizedStack) -> None:
    assert dev.resource("aws_dynamodb_table", DATA)["deletion_protection_enabled"] is False
    assert prod.resource("aws_dynamodb_table", DATA)["deletion_protection_enabled"] is True


@pytest.mark.parametrize("table", ["data_table", "idempotency_table"])
def test_write_capacity_autoscales_and_terraform_leaves_it_alone(dev: SynthesizedStack, table: str) -> None:
    table_ref = dev.ref("aws_dynamodb_table", f"{table}/table")
    target = dev.resource("aws_appautoscaling_target", f"{table}/write_scaling_target")
    assert target["service_namespace"] == "dynamodb"
    assert target["scalable_dimension"] == "dynamodb:table:WriteCapacityUnits"
    assert target["resource_id"] == f"table/${{{table_ref}.name}}"
    assert target["min_capacity"] == 5
    # The API admits 100 writes/s, each a transaction (2 WCU) when keyed: at the 70 % target
    # each table needs >= 286 WCU.
    assert target["max_capacity"] * 0.70 >= 100 * 2
    policy = dev.resource("aws_appautoscaling_policy", f"{table}/write_scaling_policy")
    assert policy["policy_type"] == "TargetTrackingScaling"
    tracking = policy["target_tracking_scaling_policy_configuration"]
    assert tracking["target_value"] == 70
    assert tracking["predefined_metric_specification"] == {
        "predefined_metric_type": "DynamoDBWriteCapacityUtilization"
    }
    target_ref = dev.ref("aws_appautoscaling_target", f"{table}/write_scaling_target")
    assert policy["resource_id"] == f"${{{target_ref}.resource_id}}"
    assert dev.resource("aws_dynamodb_table", f"{table}/table")["lifecycle"] == {
        "ignore_changes": ["write_capacity"]
    }


def test_the_idempotency_table_keeps_records_encrypted_with_a_ttl(
    dev: SynthesizedStack, prod: SynthesizedStack
) -> None:
    table = dev.resource("aws_dynamodb_table", "idempotency_table/table")
    data = dev.resource("aws_dynamodb_table", DATA)
    assert table["name"] == "data-api-dev-idempotency"
    assert (table["hash_key"], table.get("range_key")) == ("key", None)
    assert table["attribute"] == [{"name": "key", "type": "S"}]
    assert table["ttl"] == {"enabled": True, "attribute_name": "expires_at"}
    # Like the data table: the data key, point-in-time recovery, the same capacity mode.
    for same in (
        "server_side_encryption",
        "point_in_time_recovery",
        "billing_mode",
        "read_capacity",
        "write_capacity",
    ):
        assert table[same] == data[same], same
    assert (
        prod.resource("aws_dynamodb_table", "idempotency_table/table")["deletion_protection_enabled"] is True
    )


@pytest.mark.parametrize("table", ["data_table", "idempotency_table"])
def test_on_demand_tables_pay_per_request_capped_at_what_the_stage_admits(
    auth_modes: dict[str, SynthesizedStack], table: str
) -> None:
    stack = auth_modes["iam"]  # staging, billing_mode=on_demand
    synthesized = stack.resource("aws_dynamodb_table", f"{table}/table")
    assert synthesized["billing_mode"] == "PAY_PER_REQUEST"
    assert "read_capacity" not in synthesized
    assert "write_capacity" not in synthesized
    assert "lifecycle" not in synthesized
    # Up to 150 requests in a second (rate 100 + burst 50), each a transaction (2 units) of the
    # assumed 1 KB: the cap never throttles what the stage admits.
    assert synthesized["on_demand_throughput"] == {"max_write_request_units": 300}
    assert not stack.resources("aws_appautoscaling_target")
    assert not stack.resources("aws_appautoscaling_policy")


def test_an_on_demand_cap_below_the_stage_rate_is_refused() -> None:
    from constructs_lib.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match=r"on_demand_max_write_units=250 is not allowed.*from 300"):
        Settings(environment="dev", billing_mode="on_demand", on_demand_max_write_units=250)
    assert Settings(
        environment="dev", billing_mode="on_demand", on_demand_max_write_units=500
    ).on_demand_max_write_units

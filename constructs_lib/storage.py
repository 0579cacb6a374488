"""The tables (data, and the idempotency records) and the autoscaling of their write capacity."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.contract import IDEMPOTENCY_EXPIRY_ATTRIBUTE, IDEMPOTENCY_KEY, PARTITION_KEY, SORT_KEY
from constructs_lib.framework import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
    AppautoscalingTarget,
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTableOnDemandThroughput,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
    DynamodbTableTtl,
    TerraformResourceLifecycle,
)

WRITE_CAPACITY_DIMENSION = "dynamodb:table:WriteCapacityUnits"


@dataclass(frozen=True)
class TableProps:
    """Settings of a table (both tables follow the same capacity settings)."""

    table_name: str
    read_capacity: int
    """Provisioned RCU (not autoscaled: the service only writes)."""
    write_capacity: int
    """Provisioned WCU at creation, and the autoscaling floor."""
    max_write_capacity: int
    """Autoscaling ceiling of the WCU."""
    write_target_utilization_percent: int
    """Utilization the autoscaler keeps the WCU at."""
    kms_key_arn: str
    """Customer-managed key for server-side encryption."""
    deletion_protection: bool
    on_demand_max_write_units: int | None = None
    """Pay per request, writes capped at this many units/s (no provisioned capacity, no
    autoscaling); None for provisioned capacity."""


class _Table(Construct):
    """An encrypted, point-in-time-recoverable table: provisioned with write autoscaling, or on
    demand with a cap on writes."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        props: TableProps,
        hash_key: str,
        range_key: str | None = None,
        ttl_attribute: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        keys = [hash_key] + ([range_key] if range_key else [])
        on_demand = props.on_demand_max_write_units is not None
        self.table = DynamodbTable(
            self,
            "table",
            name=props.table_name,
            billing_mode="PAY_PER_REQUEST" if on_demand else "PROVISIONED",
            read_capacity=None if on_demand else props.read_capacity,
            write_capacity=None if on_demand else props.write_capacity,
            # A cost cap; above it DynamoDB throttles. Reads are not capped: the service never reads.
            # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html
            on_demand_throughput=DynamodbTableOnDemandThroughput(
                max_write_request_units=props.on_demand_max_write_units
            )
            if on_demand
            else None,
            hash_key=hash_key,
            range_key=range_key,
            attribute=[DynamodbTableAttribute(name=key, type="S") for key in keys],
            server_side_encryption=DynamodbTableServerSideEncryption(
                enabled=True, kms_key_arn=props.kms_key_arn
            ),
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            ttl=DynamodbTableTtl(enabled=True, attribute_name=ttl_attribute) if ttl_attribute else None,
            deletion_protection_enabled=props.deletion_protection,
            # The autoscaler owns write capacity after creation; Terraform must not reset it.
            lifecycle=None if on_demand else TerraformResourceLifecycle(ignore_changes=["write_capacity"]),
        )
        self.write_scaling_target: AppautoscalingTarget | None = None
        if not on_demand:
            self._write_autoscaling(props)

    def _write_autoscaling(self, props: TableProps) -> None:
        self.write_scaling_target = AppautoscalingTarget(
            self,
            "write_scaling_target",
            service_namespace="dynamodb",
            resource_id=f"table/{self.table.name}",
            scalable_dimension=WRITE_CAPACITY_DIMENSION,
            min_capacity=props.write_capacity,
            max_capacity=props.max_write_capacity,
        )
        self.write_scaling_policy = AppautoscalingPolicy(
            self,
            "write_scaling_policy",
            name=f"{props.table_name}-write-utilization",
            policy_type="TargetTrackingScaling",
            service_namespace=self.write_scaling_target.service_namespace,
            resource_id=self.write_scaling_target.resource_id,
            scalable_dimension=self.write_scaling_target.scalable_dimension,
            target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                target_value=props.write_target_utilization_percent,
                predefined_metric_specification=AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                    predefined_metric_type="DynamoDBWriteCapacityUtilization"
                ),
            ),
        )

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def arn(self) -> str:
        return self.table.arn


class DataTable(_Table):
    """The clients' data, keyed by id and timestamp."""

    def __init__(self, scope: Construct, id_: str, props: TableProps) -> None:
        super().__init__(scope, id_, props, hash_key=PARTITION_KEY, range_key=SORT_KEY)


class IdempotencyTable(_Table):
    """One record per Idempotency-Key, written with its item in one transaction; DynamoDB's TTL
    deletes a record some time after its expiry (the function ignores expired ones at once)."""

    def __init__(self, scope: Construct, id_: str, props: TableProps) -> None:
        super().__init__(
            scope, id_, props, hash_key=IDEMPOTENCY_KEY, ttl_attribute=IDEMPOTENCY_EXPIRY_ATTRIBUTE
        )

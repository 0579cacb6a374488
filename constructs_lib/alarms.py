"""The construct that deploys a stack's alarms: an encrypted SNS topic with an email
subscription, and one metric alarm per definition (constructs_lib/alarm_specs.py says what each
watches). The provider's classes are imported inside ``Alarms`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from constructs import Construct

from constructs_lib.alarm_specs import MetricAlarmSpec

if TYPE_CHECKING:
    from constructs_lib.framework import CloudwatchMetricAlarm


@dataclass(frozen=True)
class AlarmsProps:
    """Settings of the alerting."""

    topic_name: str
    alarm_name_prefix: str
    alert_email: str
    """Where alerts go (a Terraform variable reference)."""
    kms_key_arn: str
    alarms: Sequence[MetricAlarmSpec]


class Alarms(Construct):
    """An encrypted SNS topic with an email subscription, and one alarm per spec.

    Each alarm notifies on entering ALARM and on returning to OK, so a recovery is visible too.
    """

    def __init__(self, scope: Construct, id_: str, props: AlarmsProps) -> None:
        from constructs_lib.framework import SnsTopic, SnsTopicSubscription

        super().__init__(scope, id_)
        self.topic = SnsTopic(self, "topic", name=props.topic_name, kms_master_key_id=props.kms_key_arn)
        self.subscription = SnsTopicSubscription(
            self, "email", topic_arn=self.topic.arn, protocol="email", endpoint=props.alert_email
        )
        self.alarms = [self._alarm(spec, props.alarm_name_prefix) for spec in props.alarms]

    def _alarm(self, spec: MetricAlarmSpec, name_prefix: str) -> CloudwatchMetricAlarm:
        from constructs_lib.framework import CloudwatchMetricAlarm

        return CloudwatchMetricAlarm(
            self,
            spec.id,
            alarm_name=spec.alarm_name(name_prefix),
            alarm_description=spec.alarm_description,
            namespace=spec.namespace,
            metric_name=spec.metric_name,
            dimensions=dict(spec.dimensions),
            statistic=None if spec.is_percentile else spec.statistic,
            extended_statistic=spec.statistic if spec.is_percentile else None,
            period=spec.period_seconds,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            threshold=spec.threshold,
            comparison_operator=spec.comparison_operator,
            treat_missing_data=spec.treat_missing_data,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
        )

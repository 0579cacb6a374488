"""The alert topic, its email subscription, and the metric alarms that publish to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

FIVE_MINUTES = 300


@dataclass(frozen=True)
class MetricAlarmSpec:
    """One alarm: a metric, a statistic over a period, and the threshold that trips it."""

    id: str
    """Construct id and suffix of the alarm's name."""
    description: str
    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    threshold: float
    statistic: str = "Sum"
    """A basic statistic, or a percentile such as ``p99`` (an extended statistic)."""
    comparison_operator: str = "GreaterThanOrEqualToThreshold"
    period_seconds: int = FIVE_MINUTES
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    treat_missing_data: str = "notBreaching"
    """No data means no requests, so nothing failed: missing data is not a breach."""


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
        super().__init__(scope, id_)
        self.topic = SnsTopic(self, "topic", name=props.topic_name, kms_master_key_id=props.kms_key_arn)
        self.subscription = SnsTopicSubscription(
            self, "email", topic_arn=self.topic.arn, protocol="email", endpoint=props.alert_email
        )
        self.alarms = [self._alarm(spec, props.alarm_name_prefix) for spec in props.alarms]

    def _alarm(self, spec: MetricAlarmSpec, name_prefix: str) -> CloudwatchMetricAlarm:
        percentile = spec.statistic.startswith("p")
        return CloudwatchMetricAlarm(
            self,
            spec.id,
            alarm_name=f"{name_prefix}-{spec.id.replace('_', '-')}",
            alarm_description=spec.description,
            namespace=spec.namespace,
            metric_name=spec.metric_name,
            dimensions=dict(spec.dimensions),
            statistic=None if percentile else spec.statistic,
            extended_statistic=spec.statistic if percentile else None,
            period=spec.period_seconds,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            threshold=spec.threshold,
            comparison_operator=spec.comparison_operator,
            treat_missing_data=spec.treat_missing_data,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
        )

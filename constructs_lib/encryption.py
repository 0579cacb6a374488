"""The data key: the customer-managed KMS key that encrypts the table, log groups and topic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from constructs import Construct

from constructs_lib.accepted_findings import accept_findings
from constructs_lib.aws_context import AwsContext
from constructs_lib.framework import KmsAlias, KmsKey
from constructs_lib.iam_policy import policy_document
from constructs_lib.policies import data_key_statements


@dataclass(frozen=True)
class DataKeyProps:
    """Settings of the data key."""

    alias_name: str
    """Alias without the ``alias/`` prefix, e.g. ``data-api-dev-data``."""
    deletion_window_days: int
    """Days a scheduled deletion can still be cancelled."""
    aws: AwsContext
    """Account, partition and region the key lives in."""


class DataKey(Construct):
    """A rotating KMS key: the account administers it; only this stack's services use it.

    The log groups that may use the key are only known once the whole stack is built (one name
    holds the REST API's id), so the stack hands them over with ``admit_log_groups`` at the end.
    """

    def __init__(self, scope: Construct, id_: str, props: DataKeyProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        self.key = KmsKey(
            self,
            "key",
            description=f"Encrypts the data, logs and alerts of {props.alias_name}",
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_days,
            policy=policy_document(data_key_statements(props.aws, [])),
        )
        # A key policy's Resource "*" means "this key": it is the only form a key policy takes.
        accept_findings(self.key, "parliament:RESOURCE_STAR", "parliament:PERMISSIONS_MANAGEMENT_ACTIONS")
        self.alias = KmsAlias(self, "alias", name=f"alias/{props.alias_name}", target_key_id=self.key.key_id)

    @property
    def arn(self) -> str:
        return self.key.arn

    def admit_log_groups(self, log_group_names: Sequence[str]) -> None:
        """Let CloudWatch Logs use the key for exactly these log groups (by name, not reference:
        a reference would make the key depend on the log groups it encrypts)."""
        self.key.policy = policy_document(data_key_statements(self._props.aws, log_group_names))

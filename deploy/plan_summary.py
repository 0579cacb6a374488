"""What a plan would do, per stack, from Terraform's JSON plan (`terraform show -json`): counts to
add, change and destroy, and the resources that would be replaced or destroyed, by address.

The JSON holds every attribute in the clear, sensitive ones included: it is read here, in
memory, and never written; the summary names resources only.
https://developer.hashicorp.com/terraform/internals/json-format#plan-representation
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

REPLACE_ORDERS = (["delete", "create"], ["create", "delete"])


@dataclass(frozen=True)
class StackPlan:
    """One stack's planned changes (or, for a refresh-only plan, what changed outside Terraform)."""

    stack: str
    add: int = 0
    change: int = 0
    destroy: int = 0
    replaced: tuple[str, ...] = ()
    destroyed: tuple[str, ...] = ()
    drifted: tuple[str, ...] = ()
    """Resources changed or deleted outside Terraform (the plan's resource_drift)."""

    @property
    def changes_anything(self) -> bool:
        return bool(self.add or self.change or self.destroy)


def summarize(stack: str, plan: Mapping[str, Any]) -> StackPlan:
    """Counts as Terraform's own "Plan: X to add, Y to change, Z to destroy" (a replacement adds
    one and destroys one); data sources and no-ops are not counted."""
    add = change = destroy = 0
    replaced: list[str] = []
    destroyed: list[str] = []
    for resource in plan.get("resource_changes") or []:
        if resource.get("mode") == "data":
            continue
        actions = list(resource.get("change", {}).get("actions") or [])
        address = str(resource.get("address", "?"))
        if actions in REPLACE_ORDERS:
            add, destroy = add + 1, destroy + 1
            replaced.append(address)
        elif actions == ["create"]:
            add += 1
        elif actions == ["update"]:
            change += 1
        elif actions == ["delete"]:
            destroy += 1
            destroyed.append(address)
    drifted = [str(r.get("address", "?")) for r in plan.get("resource_drift") or []]
    return StackPlan(stack, add, change, destroy, tuple(replaced), tuple(destroyed), tuple(drifted))


def _addresses(label: str, addresses: Sequence[str]) -> list[str]:
    if not addresses:
        return []
    return [f"  - {label}: " + ", ".join(f"`{a}`" for a in addresses)]


def plan_markdown(environment: str, plans: Sequence[StackPlan]) -> str:
    """The plan of one environment as a pull request comment's section."""
    lines = [f"### {environment}", "", "| stack | add | change | destroy |", "|---|---:|---:|---:|"]
    lines += [f"| `{p.stack}` | {p.add} | {p.change} | {p.destroy} |" for p in plans]
    for p in plans:
        found = _addresses("replaced", p.replaced) + _addresses("destroyed", p.destroyed)
        if found:
            lines += ["", f"`{p.stack}`:", *found]
    if not any(p.changes_anything for p in plans):
        lines += ["", "No changes."]
    return "\n".join(lines) + "\n"


def drift_markdown(environment: str, plans: Sequence[StackPlan]) -> str:
    """A refresh-only plan of one environment as an issue's body."""
    drifted = [p for p in plans if p.drifted]
    if not drifted:
        return f"No drift in {environment}: every stack matches its last apply.\n"
    lines = [f"Changed outside Terraform in {environment}:", ""]
    for p in drifted:
        lines.append(f"- `{p.stack}`: " + ", ".join(f"`{a}`" for a in p.drifted))
    lines += [
        "",
        f"Either apply the code again (`make deploy ENV={environment}`), which undoes the change, or "
        "bring the change into the code.",
    ]
    return "\n".join(lines) + "\n"

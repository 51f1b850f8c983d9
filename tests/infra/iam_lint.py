"""IAM linting of every policy in a Terraform plan: parliament (grammar, unknown actions,
resource/action mismatches, condition keys) and cloudsplaining (privilege escalation,
resource exposure, data exfiltration, credentials exposure, unconstrained writes).

Every finding must be accepted, with a reason, by iam_lint_allowlist.toml; an entry that
no longer matches a finding is an error too, so the list cannot silently go stale.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .iam_eval import matches
from .plan_json import resources

ALLOWLIST = Path(__file__).with_name("iam_lint_allowlist.toml")

# Attributes holding an IAM policy document, per resource type, and what kind of policy.
POLICY_ATTRIBUTES = {
    "aws_iam_role": ("assume_role_policy", "trust"),
    "aws_iam_role_policy": ("policy", "identity"),
    "aws_iam_policy": ("policy", "identity"),
    "aws_kms_key": ("policy", "resource"),
    "aws_sqs_queue_policy": ("policy", "resource"),
    "aws_sns_topic_policy": ("policy", "resource"),
    "aws_ecr_repository_policy": ("policy", "resource"),
    "aws_s3_bucket_policy": ("policy", "resource"),
}

# cloudsplaining's categories that must be empty unless accepted in the allow-list.
CLOUDSPLAINING_CHECKS = (
    "PrivilegeEscalation",
    "ResourceExposure",
    "DataExfiltration",
    "CredentialsExposure",
    "InfrastructureModification",
)


@dataclass(frozen=True)
class PlannedPolicy:
    address: str
    kind: str  # identity, resource or trust
    document: dict


@dataclass(frozen=True)
class Finding:
    source: str  # e.g. "root/dev", "bootstrap"
    address: str
    tool: str  # parliament, cloudsplaining, cloudsplaining-strict
    issue: str
    detail: str

    def __str__(self) -> str:
        return f"{self.source} {self.address}: {self.tool} {self.issue} {self.detail}"


def planned_policies(plan: dict) -> tuple[list[PlannedPolicy], list[str]]:
    """Every policy document in the plan, and the addresses of those unknown until apply."""
    found, unknown = [], []
    for r in resources(plan):
        if r.type not in POLICY_ATTRIBUTES:
            continue
        attribute, kind = POLICY_ATTRIBUTES[r.type]
        text = r.values.get(attribute)
        if not text:
            if r.unknown.get(attribute):
                unknown.append(r.address)
            continue
        found.append(PlannedPolicy(r.address, kind, json.loads(text)))
    return found, unknown


def _parliament(policy: PlannedPolicy) -> Iterable[tuple[str, str]]:
    import parliament

    analysed = parliament.analyze_policy_string(
        json.dumps(policy.document), ignore_private_auditors=True, include_community_auditors=False
    )
    for finding in analysed.findings:
        detail = finding.detail
        if isinstance(detail, list):  # RESOURCE_MISMATCH, RESOURCE_STAR...: one finding per action
            for item in detail:
                yield finding.issue, item["action"] if isinstance(item, dict) else str(item)
        else:
            yield finding.issue, str(detail or "")


def _cloudsplaining(policy: PlannedPolicy, strict: bool) -> Iterable[tuple[str, str]]:
    from cloudsplaining.scan.policy_document import PolicyDocument

    doc = PolicyDocument(policy.document, flag_resource_arn_statements=strict)
    for escalation in doc.allows_privilege_escalation:
        yield "PrivilegeEscalation", escalation["type"]
    if strict:
        return  # strict mode adds only the ARN-scoped escalation combinations
    for action in doc.permissions_management_without_constraints:
        yield "ResourceExposure", action
    for action in doc.allows_data_exfiltration_actions:
        yield "DataExfiltration", action
    for action in doc.credentials_exposure:
        yield "CredentialsExposure", action
    for action in doc.infrastructure_modification:
        yield "InfrastructureModification", action


def lint(source: str, policies: Iterable[PlannedPolicy]) -> list[Finding]:
    findings = []
    for policy in policies:
        if policy.kind == "trust":
            continue  # parliament reads identity and resource policies; trust policies have their own tests
        for issue, detail in _parliament(policy):
            findings.append(Finding(source, policy.address, "parliament", issue, detail))
        if policy.kind != "identity":
            continue  # cloudsplaining assesses what a principal may do
        for strict in (False, True):
            tool = "cloudsplaining-strict" if strict else "cloudsplaining"
            for issue, detail in _cloudsplaining(policy, strict):
                findings.append(Finding(source, policy.address, tool, issue, detail))
    return sorted(set(findings), key=str)


@dataclass(frozen=True)
class Accepted:
    tool: str
    issue: str
    address: str  # IAM-style wildcard over the resource address
    detail: str  # wildcard over the finding's detail (an action, an escalation type)
    sources: tuple[str, ...]  # wildcards over the source ("root/*", "bootstrap")
    reason: str

    def accepts(self, finding: Finding) -> bool:
        return (
            self.tool == finding.tool
            and self.issue == finding.issue
            and matches(self.address, finding.address)
            and matches(self.detail, finding.detail, case_sensitive=False)
            and any(matches(s, finding.source) for s in self.sources)
        )


def allowlist(path: Path = ALLOWLIST) -> list[Accepted]:
    data = tomllib.loads(path.read_text())
    entries = []
    for entry in data["accepted"]:
        entries.append(
            Accepted(
                tool=entry["tool"],
                issue=entry["issue"],
                address=entry["address"],
                detail=entry.get("detail", "*"),
                sources=tuple(entry["sources"]),
                reason=entry["reason"].strip(),
            )
        )
    return entries


def unaccepted(findings: list[Finding], accepted: list[Accepted]) -> list[Finding]:
    return [f for f in findings if not any(a.accepts(f) for a in accepted)]


def used(findings: list[Finding], accepted: list[Accepted]) -> set[Accepted]:
    return {a for a in accepted for f in findings if a.accepts(f)}

"""A small IAM policy evaluator for the plan tests: Allow/Deny, Action/NotAction,
Resource/NotResource with IAM wildcards, and the condition operators our policies use.

moto enforces no IAM, so the tests ask "would AWS allow this request?" here instead:
explicit Deny wins, then an Allow is needed (in every policy set that must allow, e.g.
the identity policies and the permissions boundary). It is deliberately strict: an
unknown condition operator raises, so a policy that outgrows it fails the tests instead
of being misread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from .plan_json import as_list

Context = Mapping[str, str | list[str]]


@cache
def _glob(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{regex}$", 0 if case_sensitive else re.IGNORECASE)


def matches(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    """IAM wildcard matching: * any run of characters (including / and :), ? one character."""
    return bool(_glob(pattern, case_sensitive).match(value))


def _values(context: Context, key: str) -> list[str] | None:
    for k, v in context.items():
        if k.lower() == key.lower():
            return as_list(v)
    return None


_STRING_OPS = {
    "StringEquals": lambda p, v: p == v,
    "StringLike": lambda p, v: matches(p, v),
    "ArnEquals": lambda p, v: p == v,
    "ArnLike": lambda p, v: matches(p, v),
    "Bool": lambda p, v: p.lower() == v.lower(),
}


def _condition_holds(operator: str, key: str, expected: list[str], context: Context) -> bool:
    present = _values(context, key)
    if operator == "Null":
        # Null "true" holds when the key is absent, "false" when it is present.
        return (present is None) == (expected[0].lower() == "true")
    qualifier, _, operator = operator.rpartition(":")
    if qualifier == "ForAllValues":
        # Every request value must match; with no values at all it holds vacuously.
        return all(_condition_holds(operator, key, expected, {key: [v]}) for v in present or [])
    if qualifier == "ForAnyValue":
        return any(_condition_holds(operator, key, expected, {key: [v]}) for v in present or [])
    if qualifier:
        raise NotImplementedError(f"set qualifier {qualifier} is not modelled by iam_eval")
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    negated = False
    if base.startswith(("StringNot", "ArnNot")):
        negated = True
        base = base.replace("Not", "", 1)
    if base not in _STRING_OPS:
        raise NotImplementedError(f"condition operator {operator} is not modelled by iam_eval")
    if present is None:
        # A missing key: positive operators fail, negated ones hold; ...IfExists always holds.
        return if_exists or negated
    hit = any(_STRING_OPS[base](str(e), str(p)) for e in expected for p in present)
    return not hit if negated else hit


def _statement_applies(statement: dict, action: str, resource: str, context: Context) -> bool:
    if "Action" in statement:
        if not any(matches(a, action, case_sensitive=False) for a in as_list(statement["Action"])):
            return False
    elif any(matches(a, action, case_sensitive=False) for a in as_list(statement["NotAction"])):
        return False
    if "Resource" in statement:
        if not any(matches(r, resource) for r in as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement and any(matches(r, resource) for r in as_list(statement["NotResource"])):
        return False
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, expected in keys.items():
            if not _condition_holds(operator, key, [str(e) for e in as_list(expected)], context):
                return False
    return True


def statements(policy: str | dict) -> list[dict]:
    doc = json.loads(policy) if isinstance(policy, str) else policy
    return as_list(doc["Statement"])


@dataclass
class Principal:
    """The identity policies of a role, and its permissions boundary if it has one."""

    policies: list[dict | str]
    boundary: dict | str | None = None
    name: str = ""
    extra_allows: list[dict] = field(default_factory=list)  # e.g. an AWS-managed policy, modelled

    def _all(self) -> list[dict]:
        found = [s for p in self.policies for s in statements(p)]
        return found + self.extra_allows

    def decide(self, action: str, resource: str, context: Context | None = None) -> str:
        """'Allow', 'ExplicitDeny' or 'ImplicitDeny' for one request."""
        context = context or {}
        identity = self._all()
        boundary = statements(self.boundary) if self.boundary is not None else None
        for group in (identity, boundary or []):
            if any(
                s.get("Effect") == "Deny" and _statement_applies(s, action, resource, context) for s in group
            ):
                return "ExplicitDeny"
        allowed = any(
            s.get("Effect") == "Allow" and _statement_applies(s, action, resource, context) for s in identity
        )
        if allowed and boundary is not None:
            allowed = any(
                s.get("Effect") == "Allow" and _statement_applies(s, action, resource, context)
                for s in boundary
            )
        return "Allow" if allowed else "ImplicitDeny"

    def allows(self, action: str, resource: str, context: Context | None = None) -> bool:
        return self.decide(action, resource, context) == "Allow"


def allow_statements(policies: Iterable[dict | str]) -> list[dict]:
    return [s for p in policies for s in statements(p) if s.get("Effect") == "Allow"]


def read_only_access_model() -> dict:
    """What AWS's ReadOnlyAccess grants, as far as the plan-role tests need it: every read
    (Get*, List*, Describe*, and the data reads our denies must beat)."""
    return {
        "Effect": "Allow",
        "Action": [
            "*:Get*",
            "*:List*",
            "*:Describe*",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:BatchGetItem",
            "sqs:ReceiveMessage",
            "logs:FilterLogEvents",
            "logs:StartQuery",
            "apigateway:GET",
        ],
        "Resource": "*",
    }

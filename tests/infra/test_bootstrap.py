"""terraform/bootstrap applied into moto, then its post-apply plan checked: one deploy role
per environment that cannot reach another environment, the CI roles or a role without the
permissions boundary; a plan role that reads only its state; the state backend's settings.

moto enforces no IAM, so requests are decided by tests/infra/iam_eval.py over the policies
as AWS would (explicit Deny first, then an Allow in the identity policy and the boundary).
"""

from __future__ import annotations

import json

import pytest

from .conftest import BOOTSTRAP_REPOSITORY, BOOTSTRAP_STATE_BUCKET, WORKSPACES, Bootstrap
from .iam_eval import Principal, allow_statements, read_only_access_model, statements
from .iam_lint import allowlist, lint, planned_policies, unaccepted
from .plan_json import as_list, of_type

pytestmark = pytest.mark.infra

ACCOUNT = "123456789012"
REGION = "eu-west-1"
OIDC = "token.actions.githubusercontent.com"
STATE_KEY = "orderflow/terraform.tfstate"


def _by_address(plan: dict, resource_type: str) -> dict[str, dict]:
    return {r.address: r.values for r in of_type(plan, resource_type)}


def _one(plan: dict, address: str) -> dict:
    for r in of_type(plan, address.split(".")[0]):
        if r.address == address:
            return r.values
    raise AssertionError(f"{address} is not in the bootstrap plan")


def _deploy(b: Bootstrap, env: str) -> Principal:
    policy = _one(b.plan, f'aws_iam_role_policy.deploy["{env}"]')["policy"]
    return Principal([policy], name=f"deploy-{env}")


def _boundary(b: Bootstrap, env: str) -> dict:
    return json.loads(_one(b.plan, f'aws_iam_policy.boundary["{env}"]')["policy"])


def _plan_role(b: Bootstrap) -> Principal:
    policy = _one(b.plan, "aws_iam_role_policy.plan")["policy"]
    return Principal([policy], name="plan", extra_allows=[read_only_access_model()])


def _arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


def _role(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT}:role{path}{name}"


def _state(env: str) -> str:
    return f"arn:aws:s3:::{BOOTSTRAP_STATE_BUCKET}/env:/{env}/{STATE_KEY}"


def _boundary_arn(env: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/ci/orderflow-{env}-boundary"


def _samples(env: str) -> dict[str, tuple[str, str, dict]]:
    """A write action on one resource of each kind the workspace `env` owns, with the request
    context AWS would evaluate (a function role carries its environment's boundary)."""
    p = f"orderflow-{env}"
    plain = {
        "function": ("lambda:UpdateFunctionCode", _arn("lambda", f"function:{p}-order-api")),
        "queue": ("sqs:SetQueueAttributes", _arn("sqs", f"{p}-billing")),
        "topic": ("sns:SetTopicAttributes", _arn("sns", f"{p}-order-events")),
        "table": ("dynamodb:DeleteTable", _arn("dynamodb", f"table/{p}-orders")),
        "table item": ("dynamodb:PutItem", _arn("dynamodb", f"table/{p}-catalog")),
        "repository": ("ecr:PutImage", _arn("ecr", f"repository/{p}-order")),
        "log group": ("logs:DeleteLogGroup", _arn("logs", f"log-group:/aws/lambda/{p}-billing")),
        "execution log group": (
            "logs:PutRetentionPolicy",
            _arn("logs", f"log-group:API-Gateway-Execution-Logs_a1b2c3/{env}"),
        ),
        "alarm": ("cloudwatch:DeleteAlarms", _arn("cloudwatch", f"alarm:{p}-billing-errors")),
        "state": ("s3:PutObject", _state(env)),
        "state lock": ("s3:PutObject", _state(env) + ".tflock"),
        "key alias": ("kms:UpdateAlias", _arn("kms", f"alias/{p}")),
        "ses config set": ("ses:DeleteConfigurationSet", _arn("ses", f"configuration-set/{p}-email")),
        "dashboard": ("cloudwatch:PutDashboard", f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/{p}"),
    }
    samples = {kind: (action, resource, {}) for kind, (action, resource) in plain.items()}
    boundary = {"iam:PermissionsBoundary": _boundary_arn(env)}
    samples["role policy"] = ("iam:PutRolePolicy", _role(f"{p}-billing"), boundary)
    samples["role trust"] = ("iam:UpdateAssumeRolePolicy", _role(f"{p}-billing"), boundary)
    return samples


# --- the linter -------------------------------------------------------------------------


def test_iam_linter_finds_nothing_unaccepted_in_bootstrap(bootstrap: Bootstrap):
    policies, unknown = planned_policies(bootstrap.plan)
    assert not unknown, f"policies unknown after apply: {unknown}"
    assert len(policies) >= 2 * len(WORKSPACES) + 4, [p.address for p in policies]
    findings = lint("bootstrap", policies)
    assert not [
        f
        for f in findings
        if f.issue in ("PrivilegeEscalation", "ResourceExposure") and f.tool == "cloudsplaining"
    ], "cloudsplaining reports privilege escalation or resource exposure"
    left = unaccepted(findings, allowlist())
    assert not left, "findings without a reason in tests/infra/iam_lint_allowlist.toml:\n" + "\n".join(
        map(str, left)
    )


# --- trust --------------------------------------------------------------------------------


@pytest.mark.parametrize("env", WORKSPACES)
def test_each_deploy_role_trusts_only_its_environment_on_main(bootstrap: Bootstrap, env: str):
    role = _one(bootstrap.plan, f'aws_iam_role.deploy["{env}"]')
    assert role["path"] == "/ci/"
    assert role["name"] == f"orderflow-deploy-{env}"
    (statement,) = statements(role["assume_role_policy"])
    assert statement["Effect"] == "Allow"
    assert as_list(statement["Action"]) == ["sts:AssumeRoleWithWebIdentity"]
    assert statement["Principal"] == {"Federated": bootstrap.outputs["oidc_provider_arn"]}
    assert set(statement["Condition"]) == {"StringEquals"}, "no wildcard subject"
    condition = statement["Condition"]["StringEquals"]
    assert condition[f"{OIDC}:aud"] == "sts.amazonaws.com"
    assert as_list(condition[f"{OIDC}:sub"]) == [
        f"repo:{BOOTSTRAP_REPOSITORY}:environment:{env}:ref:refs/heads/main"
    ]


def test_the_deploy_roles_are_one_per_environment(bootstrap: Bootstrap):
    roles = _by_address(bootstrap.plan, "aws_iam_role")
    assert {a for a in roles if a.startswith("aws_iam_role.deploy")} == {
        f'aws_iam_role.deploy["{env}"]' for env in WORKSPACES
    }
    assert set(bootstrap.outputs["deploy_role_arns"]) == set(WORKSPACES)
    assert len(set(bootstrap.outputs["deploy_role_arns"].values())) == len(WORKSPACES)
    assert not of_type(bootstrap.plan, "aws_iam_role_policy_attachment") or all(
        r.values["role"] == _one(bootstrap.plan, "aws_iam_role.plan")["name"]
        for r in of_type(bootstrap.plan, "aws_iam_role_policy_attachment")
    ), "only the plan role has a managed policy (ReadOnlyAccess)"


def test_plan_role_trusts_only_the_plan_environment(bootstrap: Bootstrap):
    (statement,) = statements(_one(bootstrap.plan, "aws_iam_role.plan")["assume_role_policy"])
    assert statement["Principal"] == {"Federated": bootstrap.outputs["oidc_provider_arn"]}
    assert statement["Condition"]["StringEquals"][f"{OIDC}:aud"] == "sts.amazonaws.com"
    assert as_list(statement["Condition"]["StringLike"][f"{OIDC}:sub"]) == [
        f"repo:{BOOTSTRAP_REPOSITORY}:environment:plan:ref:*"
    ]


def test_api_gateway_logging_role_trusts_only_this_account(bootstrap: Bootstrap):
    role = _one(bootstrap.plan, "aws_iam_role.api_gateway_cloudwatch[0]")
    (statement,) = statements(role["assume_role_policy"])
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
    (account,) = of_type(bootstrap.plan, "aws_api_gateway_account")
    assert account.values["cloudwatch_role_arn"] == role["arn"]


# --- scoping of the deploy roles --------------------------------------------------------


@pytest.mark.parametrize("env", WORKSPACES)
def test_deploy_role_manages_its_environment(bootstrap: Bootstrap, env: str):
    deploy = _deploy(bootstrap, env)
    for kind, (action, resource, context) in _samples(env).items():
        assert deploy.allows(action, resource, context), f"{env} cannot do {action} on its {kind} {resource}"
    state = _state(env)
    for action in ("s3:GetObject", "s3:DeleteObject"):
        assert deploy.allows(action, state + ".tflock")
    assert deploy.allows("s3:ListBucket", f"arn:aws:s3:::{BOOTSTRAP_STATE_BUCKET}")
    key = bootstrap.outputs["state_kms_key_arn"]
    via_s3 = {"kms:ViaService": f"s3.{REGION}.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": state}
    for action in ("kms:Decrypt", "kms:GenerateDataKey"):
        assert deploy.allows(action, key, via_s3), action
    tagged = {"aws:ResourceTag/Workspace": env, "aws:ResourceTag/Project": "orderflow"}
    workspace_key = _arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert deploy.allows(
        "kms:CreateKey", "*", {"aws:RequestTag/Workspace": env, "aws:RequestTag/Project": "orderflow"}
    )
    assert deploy.allows("kms:TagResource", workspace_key, {"aws:RequestTag/Workspace": env})
    assert deploy.allows("kms:ScheduleKeyDeletion", workspace_key, tagged)
    assert deploy.allows(
        "kms:CreateGrant", workspace_key, {**tagged, "kms:ViaService": f"dynamodb.{REGION}.amazonaws.com"}
    )
    assert deploy.allows(
        "apigateway:POST", f"arn:aws:apigateway:{REGION}::/restapis", {"aws:RequestTag/Workspace": env}
    )
    assert deploy.allows(
        "apigateway:PATCH",
        f"arn:aws:apigateway:{REGION}::/restapis/a1b2c3/stages/{env}",
        {"aws:ResourceTag/Workspace": env},
    )
    function = _arn("lambda", f"function:orderflow-{env}-billing")
    assert deploy.allows("lambda:CreateEventSourceMapping", "*", {"lambda:FunctionArn": function})
    mapping = _arn("lambda", "event-source-mapping:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    assert deploy.allows("lambda:TagResource", mapping, {"aws:RequestTag/Workspace": env}), "tag on create"
    assert deploy.allows("lambda:UpdateEventSourceMapping", mapping, {"lambda:FunctionArn": function})
    sender = bootstrap.variables["email_senders"].split(f'{env}="')[1].split('"')[0]
    # SES v2's identity actions take the identity's ARN (v1's VerifyEmailIdentity takes none).
    for action in ("ses:CreateEmailIdentity", "ses:GetEmailIdentity", "ses:DeleteEmailIdentity"):
        assert deploy.allows(action, _arn("ses", f"identity/{sender}")), action
    for action in ("ses:CreateConfigurationSet", "ses:PutConfigurationSetDeliveryOptions"):
        assert deploy.allows(action, _arn("ses", f"configuration-set/orderflow-{env}-email")), action


@pytest.mark.parametrize("env", WORKSPACES)
def test_deploy_role_cannot_touch_another_environment(bootstrap: Bootstrap, env: str):
    deploy = _deploy(bootstrap, env)
    for other in WORKSPACES:
        if other == env:
            continue
        for kind, (action, resource, context) in _samples(other).items():
            assert not deploy.allows(action, resource, context), f"{env} can {action} {other}'s {kind}"
            own_boundary = {"iam:PermissionsBoundary": _boundary_arn(env)}
            assert not deploy.allows(action, resource, own_boundary), f"{env} can {action} {other}'s {kind}"
        for action in ("s3:GetObject", "s3:PutObject"):
            assert not deploy.allows(action, _state(other)), f"{env} reaches {other}'s state"
        key = bootstrap.outputs["state_kms_key_arn"]
        context = {
            "kms:ViaService": f"s3.{REGION}.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": _state(other),
        }
        assert not deploy.allows("kms:Decrypt", key, context), f"{env} decrypts {other}'s state"
        workspace_key = _arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab")
        assert not deploy.allows(
            "kms:CreateKey", "*", {"aws:RequestTag/Workspace": other, "aws:RequestTag/Project": "orderflow"}
        )
        assert not deploy.allows("kms:TagResource", workspace_key, {"aws:RequestTag/Workspace": other})
        assert not deploy.allows("kms:TagResource", workspace_key, {"aws:ResourceTag/Workspace": other})
        assert not deploy.allows("kms:PutKeyPolicy", workspace_key, {"aws:ResourceTag/Workspace": other})
        assert not deploy.allows(
            "apigateway:DELETE",
            f"arn:aws:apigateway:{REGION}::/restapis/x1y2z3",
            {"aws:ResourceTag/Workspace": other},
        )
        assert not deploy.allows(
            "apigateway:POST", f"arn:aws:apigateway:{REGION}::/restapis", {"aws:RequestTag/Workspace": other}
        )
        function = _arn("lambda", f"function:orderflow-{other}-billing")
        assert not deploy.allows("lambda:CreateEventSourceMapping", "*", {"lambda:FunctionArn": function})
        mapping = _arn("lambda", "event-source-mapping:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
        assert not deploy.allows("lambda:DeleteEventSourceMapping", mapping, {"lambda:FunctionArn": function})
        assert not deploy.allows("lambda:TagResource", mapping, {"aws:ResourceTag/Workspace": other})
        assert not deploy.allows("lambda:TagResource", mapping, {"aws:RequestTag/Workspace": other})
        other_sender = bootstrap.variables["email_senders"].split(f'{other}="')[1].split('"')[0]
        assert not deploy.allows("ses:DeleteEmailIdentity", _arn("ses", f"identity/{other_sender}"))
        assert not deploy.allows(
            "iam:PassRole",
            _role(f"orderflow-{other}-billing"),
            {"iam:PassedToService": "lambda.amazonaws.com"},
        )


@pytest.mark.parametrize("env", WORKSPACES)
def test_unscoped_grants_are_conditioned_or_list_only(bootstrap: Bootstrap, env: str):
    """Every Allow on Resource "*" is either conditioned on this environment or a list/login
    action AWS offers no resource-level permission for."""
    policy = _one(bootstrap.plan, f'aws_iam_role_policy.deploy["{env}"]')["policy"]
    unscoped_ok = {
        "ecr:GetAuthorizationToken",
        "kms:ListAliases",
        "logs:DescribeLogGroups",
        "lambda:ListEventSourceMappings",
    }
    for statement in allow_statements([policy]):
        if "*" not in as_list(statement.get("Resource")):
            continue
        conditions = json.dumps(statement.get("Condition", {}))
        if conditions != "{}":
            assert f'"{env}"' in conditions or f"orderflow-{env}-" in conditions, statement
        else:
            assert set(as_list(statement["Action"])) <= unscoped_ok, statement


# --- IAM: the boundary, the CI roles -------------------------------------------------------


@pytest.mark.parametrize("env", WORKSPACES)
def test_roles_can_be_created_and_changed_only_with_the_boundary(bootstrap: Bootstrap, env: str):
    deploy = _deploy(bootstrap, env)
    role = _role(f"orderflow-{env}-billing")
    with_boundary = {"iam:PermissionsBoundary": _boundary_arn(env)}
    for action in (
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:PutRolePermissionsBoundary",
    ):
        assert deploy.allows(action, role, with_boundary), action
        assert deploy.decide(action, role, {}) != "Allow", f"{action} without a boundary"
        other = {"iam:PermissionsBoundary": _boundary_arn(next(e for e in WORKSPACES if e != env))}
        assert deploy.decide(action, role, other) != "Allow", f"{action} with another env's boundary"
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"):
        assert deploy.decide(action, role, {}) == "ExplicitDeny", (
            f"{action} without a boundary is not explicitly denied"
        )
    assert deploy.allows("iam:UpdateAssumeRolePolicy", role)
    for action in (
        "iam:DeleteRolePermissionsBoundary",
        "iam:AttachRolePolicy",
        "iam:CreateUser",
        "iam:CreateAccessKey",
    ):
        assert deploy.decide(action, role, with_boundary) == "ExplicitDeny", action
    policy = _one(bootstrap.plan, f'aws_iam_role_policy.deploy["{env}"]')["policy"]
    granted = {a.lower() for s in allow_statements([policy]) for a in as_list(s["Action"])}
    assert "iam:attachrolepolicy" not in granted
    assert not {a for a in granted if a.startswith("iam:") and ("*" in a)}, "no IAM wildcard"


@pytest.mark.parametrize("env", WORKSPACES)
def test_pass_role_only_to_lambda_and_only_the_environments_roles(bootstrap: Bootstrap, env: str):
    deploy = _deploy(bootstrap, env)
    role = _role(f"orderflow-{env}-billing")
    assert deploy.allows("iam:PassRole", role, {"iam:PassedToService": "lambda.amazonaws.com"})
    for service in (
        "ec2.amazonaws.com",
        "cloudformation.amazonaws.com",
        "glue.amazonaws.com",
        "apigateway.amazonaws.com",
    ):
        assert not deploy.allows("iam:PassRole", role, {"iam:PassedToService": service}), service
    assert not deploy.allows("iam:PassRole", role)


def _ci_arns(b: Bootstrap) -> list[str]:
    roles = [r.values["arn"] for r in of_type(b.plan, "aws_iam_role")]
    policies = [r.values["arn"] for r in of_type(b.plan, "aws_iam_policy")]
    return roles + policies


IAM_READS = ("iam:Get", "iam:List", "iam:Simulate", "iam:Generate")


@pytest.mark.parametrize("env", WORKSPACES)
def test_no_iam_write_on_a_pattern_that_matches_a_ci_role(bootstrap: Bootstrap, env: str):
    from .iam_eval import matches

    ci = _ci_arns(bootstrap)
    assert any(":role/ci/orderflow-deploy-" in a for a in ci)
    assert any(":policy/ci/" in a for a in ci)
    policy = _one(bootstrap.plan, f'aws_iam_role_policy.deploy["{env}"]')["policy"]
    for statement in allow_statements([policy]):
        writes = [
            a
            for a in as_list(statement["Action"])
            if a.lower().startswith("iam:") and not a.startswith(IAM_READS)
        ]
        if not writes:
            continue
        for pattern in as_list(statement.get("Resource")):
            hit = [arn for arn in ci if matches(pattern, arn)]
            assert not hit, f"{statement['Sid']}: {writes} on {pattern} matches {hit}"
    deploy = _deploy(bootstrap, env)
    every_write = (
        "iam:PutRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRole",
        "iam:AttachRolePolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:DeletePolicy",
        "iam:TagRole",
    )
    for arn in ci:
        for action in every_write:
            context = {"iam:PermissionsBoundary": _boundary_arn(env)}
            assert deploy.decide(action, arn, context) == "ExplicitDeny", f"{env}: {action} on {arn}"


# --- the permissions boundary ---------------------------------------------------------------


@pytest.mark.parametrize("env", WORKSPACES)
def test_boundary_confines_roles_to_the_environments_data_plane(bootstrap: Bootstrap, env: str):
    boundary = Principal([_boundary(bootstrap, env)])  # as a ceiling: a role with "*" under it
    p = f"orderflow-{env}"
    assert boundary.allows("dynamodb:PutItem", _arn("dynamodb", f"table/{p}-orders"))
    assert boundary.allows("sqs:ReceiveMessage", _arn("sqs", f"{p}-billing"))
    assert boundary.allows(
        "dynamodb:GetRecords", _arn("dynamodb", f"table/{p}-orders/stream/2026-01-01T00:00:00.000")
    )
    for other in WORKSPACES:
        if other != env:
            assert not boundary.allows(
                "dynamodb:GetItem", _arn("dynamodb", f"table/orderflow-{other}-orders")
            )
            assert not boundary.allows("sns:Publish", _arn("sns", f"orderflow-{other}-order-events"))
    for action, resource in (
        ("iam:CreateRole", _role("x")),
        ("iam:PassRole", _role(f"{p}-billing")),
        ("sts:AssumeRole", _role("orderflow-deploy-prod", "/ci/")),
        ("s3:GetObject", _state(env)),
        ("lambda:UpdateFunctionCode", _arn("lambda", f"function:{p}-billing")),
        ("kms:Decrypt", _arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab")),
    ):
        assert not boundary.allows(action, resource), f"the {env} boundary lets a role {action}"


# --- the plan role --------------------------------------------------------------------------


def test_plan_role_reads_only_its_state_and_writes_none(bootstrap: Bootstrap):
    plan = _plan_role(bootstrap)
    assert plan.allows("s3:GetObject", _state("dev"))
    key = bootstrap.outputs["state_kms_key_arn"]
    assert plan.allows(
        "kms:Decrypt",
        key,
        {"kms:ViaService": f"s3.{REGION}.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": _state("dev")},
    )
    for env in WORKSPACES:
        assert not plan.allows("s3:PutObject", _state(env)), env
        assert not plan.allows("s3:PutObject", _state(env) + ".tflock"), env
        assert not plan.allows("s3:DeleteObject", _state(env)), env
        if env != "dev":
            assert not plan.allows("s3:GetObject", _state(env)), env
            assert not plan.allows(
                "kms:Decrypt",
                key,
                {
                    "kms:ViaService": f"s3.{REGION}.amazonaws.com",
                    "kms:EncryptionContext:aws:s3:arn": _state(env),
                },
            )
    assert not plan.allows("s3:GetObject", "arn:aws:s3:::some-other-bucket/data.csv")


def test_plan_role_reads_no_table_items_api_keys_or_secrets(bootstrap: Bootstrap):
    plan = _plan_role(bootstrap)
    # Refreshing the seeded catalog items is the one item read it needs.
    assert plan.allows("dynamodb:GetItem", _arn("dynamodb", "table/orderflow-dev-catalog"))
    catalog_context = {
        "kms:ViaService": f"dynamodb.{REGION}.amazonaws.com",
        "aws:ResourceTag/Workspace": "dev",
        "kms:EncryptionContext:aws:dynamodb:tableName": "orderflow-dev-catalog",
    }
    workspace_key = _arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert plan.allows("kms:Decrypt", workspace_key, catalog_context)
    assert not plan.allows(
        "kms:Decrypt",
        workspace_key,
        {**catalog_context, "kms:EncryptionContext:aws:dynamodb:tableName": "orderflow-dev-orders"},
    )
    for action in (
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:BatchGetItem",
        "dynamodb:GetRecords",
    ):
        for table in (
            "orderflow-dev-orders",
            "orderflow-dev-payments",
            "orderflow-prod-orders",
            "orderflow-prod-catalog",
        ):
            assert not plan.allows(action, _arn("dynamodb", f"table/{table}")), (action, table)
    assert not plan.allows("sqs:ReceiveMessage", _arn("sqs", "orderflow-prod-billing-dlq"))
    assert not plan.allows("logs:FilterLogEvents", _arn("logs", "log-group:/aws/lambda/orderflow-prod-email"))
    assert not plan.allows("secretsmanager:GetSecretValue", _arn("secretsmanager", "secret:anything"))
    assert not plan.allows("ssm:GetParameter", _arn("ssm", "parameter/anything"))
    api_key = f"arn:aws:apigateway:{REGION}::/apikeys/k1"
    assert not plan.allows("apigateway:GET", api_key, {"aws:ResourceTag/Workspace": "prod"})
    assert plan.allows("apigateway:GET", api_key, {"aws:ResourceTag/Workspace": "dev"})
    attachments = of_type(bootstrap.plan, "aws_iam_role_policy_attachment")
    assert [a.values["policy_arn"] for a in attachments] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]


# --- the state backend ---------------------------------------------------------------------


def test_state_bucket_is_versioned_encrypted_private_and_tls_only(bootstrap: Bootstrap):
    plan = bootstrap.plan
    (bucket,) = of_type(plan, "aws_s3_bucket")
    assert bucket.values["bucket"] == BOOTSTRAP_STATE_BUCKET
    assert bucket.values["force_destroy"] is False
    (versioning,) = of_type(plan, "aws_s3_bucket_versioning")
    assert versioning.values["versioning_configuration"][0]["status"] == "Enabled"
    (sse,) = of_type(plan, "aws_s3_bucket_server_side_encryption_configuration")
    (rule,) = sse.values["rule"]
    (default,) = rule["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms"
    assert default["kms_master_key_id"] == bootstrap.outputs["state_kms_key_arn"]
    assert rule["bucket_key_enabled"] is False, "a bucket key would replace the per-object encryption context"
    (key,) = list(of_type(plan, "aws_kms_key"))
    assert key.values["enable_key_rotation"] is True
    (block,) = of_type(plan, "aws_s3_bucket_public_access_block")
    for setting in (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ):
        assert block.values[setting] is True, setting
    (ownership,) = of_type(plan, "aws_s3_bucket_ownership_controls")
    assert ownership.values["rule"][0]["object_ownership"] == "BucketOwnerEnforced"
    (policy,) = of_type(plan, "aws_s3_bucket_policy")
    deny = {s["Sid"]: s for s in statements(policy.values["policy"]) if s["Effect"] == "Deny"}
    tls = deny["DenyInsecureTransport"]
    assert tls["Principal"] == "*"
    assert as_list(tls["Action"]) == ["s3:*"]
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(as_list(tls["Resource"])) == {bucket.values["arn"], bucket.values["arn"] + "/*"}
    anyone = Principal(
        [policy.values["policy"], {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}]
    )
    assert anyone.decide("s3:GetObject", _state("prod"), {"aws:SecureTransport": "false"}) == "ExplicitDeny"
    assert (
        anyone.decide(
            "s3:PutObject",
            _state("prod"),
            {"aws:SecureTransport": "true", "s3:x-amz-server-side-encryption": "AES256"},
        )
        == "ExplicitDeny"
    )
    assert anyone.allows(
        "s3:PutObject",
        _state("prod"),
        {"aws:SecureTransport": "true", "s3:x-amz-server-side-encryption": "aws:kms"},
    )
    assert not of_type(plan, "aws_s3_bucket_lifecycle_configuration"), "every state version is kept"


def test_state_backend_settings_match_the_roles(bootstrap: Bootstrap):
    """backend.hcl.example locks with use_lockfile and encrypts with the state key's alias,
    and the key the roles may write is the one the workspaces use."""
    from .conftest import TERRAFORM_DIR

    example = (TERRAFORM_DIR / "backend.hcl.example").read_text()
    assert "use_lockfile = true" in example
    assert f'kms_key_id   = "{bootstrap.outputs["state_kms_alias_name"]}"' in example
    assert f'key          = "{STATE_KEY}"' in example
    ci = (TERRAFORM_DIR.parent / ".github" / "scripts" / "write-backend.sh").read_text()
    assert "use_lockfile = true" in ci
    assert f'key          = "{STATE_KEY}"' in ci
    assert 'kms_key_id   = "alias/orderflow-terraform-state"' in ci


@pytest.mark.parametrize("env", WORKSPACES)
def test_no_deploy_role_may_administer_the_state_key(bootstrap: Bootstrap, env: str):
    """The state key carries no environment's Workspace tag; a role that could tag it as its own
    could then rewrite its policy or schedule its deletion: every environment's state."""
    deploy = _deploy(bootstrap, env)
    key = bootstrap.outputs["state_kms_key_arn"]
    own_tag = {"aws:RequestTag/Workspace": env}
    for action, context in (
        ("kms:TagResource", own_tag),
        ("kms:TagResource", {**own_tag, "aws:ResourceTag/Workspace": env}),
        ("kms:PutKeyPolicy", {"aws:ResourceTag/Workspace": env}),
        ("kms:ScheduleKeyDeletion", {"aws:ResourceTag/Workspace": env}),
        ("kms:UntagResource", {"aws:ResourceTag/Workspace": env}),
        ("kms:DisableKey", {"aws:ResourceTag/Workspace": env}),
    ):
        assert not deploy.allows(action, key, context), f"{env} may {action} the state key ({context})"

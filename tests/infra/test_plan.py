"""Assertions on the production plan of each workspace.

The root module is planned exactly as `make plan WORKSPACE=<ws>` would plan
it (environments/<ws>.tfvars, no emulator overrides but the provider's
endpoints), against an empty moto account, and the JSON plan is checked for
what is known before apply. Values that only exist after apply (ARNs inside
policies, redrive targets) are checked in test_emulator.py.
"""

from __future__ import annotations

import json
import time

import pytest

from .conftest import LOCAL_DIR, PARALLELISM, TIMINGS, WORKSPACES, Terraform, copy_root, load_topology
from .plan_json import Planned, expected_environment, of_type, per_function

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def planning_copy(terraform_bin, tf_env, moto_endpoint, tmp_path_factory) -> Terraform:
    """A copy of the root module with the provider's endpoints (no module overrides), initialised."""
    root = copy_root(tmp_path_factory.mktemp("production-plan"))
    provider = (LOCAL_DIR / "provider_override.tf.tpl").read_text().replace("__ENDPOINT__", moto_endpoint)
    (root / "provider_override.tf").write_text(provider)  # endpoints only: no module overrides
    tf = Terraform(terraform_bin, root, tf_env)
    tf.run("init", "-input=false", "-no-color")
    return tf


@pytest.fixture(scope="module")
def plans(planning_copy: Terraform) -> dict[str, dict]:
    tf = planning_copy
    found = {}
    started = time.monotonic()
    for ws in WORKSPACES:
        tf.run("workspace", "new", ws, "-no-color")
        tf.run(
            "plan",
            "-input=false",
            "-no-color",
            f"-parallelism={PARALLELISM}",
            f"-out={ws}.tfplan",
            f"-var-file=environments/{ws}.tfvars",
            "-var=image_tag=0123456789ab",
        )
        found[ws] = tf.show_json(f"{ws}.tfplan")
    TIMINGS["terraform plan x3 (dev, staging, prod)"] = time.monotonic() - started
    return found


@pytest.fixture(params=WORKSPACES)
def plan(request, plans) -> dict:
    return plans[request.param]


def _consumers() -> dict[str, dict]:
    return {name: f for name, f in load_topology()["functions"].items() if "consumes" in f}


def test_everything_is_created(plan):
    actions = {tuple(c["change"]["actions"]) for c in plan["resource_changes"] if c["mode"] == "managed"}
    assert actions == {("create",)}


def test_queue_visibility_is_the_one_the_local_stack_uses(plan):
    """Terraform's visibility timeout is the one services.shared.topology derives from the same
    declaration (the local pollers and the local queues use that one): a change to either
    derivation fails here. AWS asks for at least six times the function's timeout."""
    from services.shared.topology import load_topology as declared

    queues = per_function(plan, "consumer_queue", "aws_sqs_queue")
    assert set(queues) == set(_consumers())
    for fn, f in _consumers().items():
        visibility = queues[fn].values["visibility_timeout_seconds"]
        python = declared().function(fn).visibility_timeout_seconds
        assert visibility == python >= 6 * f["timeout_seconds"], fn


def test_every_consumer_has_a_dlq_and_both_are_encrypted(plan):
    queues, dlqs = (
        per_function(plan, "consumer_queue", "aws_sqs_queue"),
        per_function(plan, "consumer_queue", "aws_sqs_queue", "dlq"),
    )
    assert set(dlqs) == set(_consumers())
    for fn in _consumers():
        for queue in (queues[fn], dlqs[fn]):
            assert queue.is_set_or_computed("kms_master_key_id"), queue.address
        assert queues[fn].unknown.get("redrive_policy") is True or queues[fn].values.get("redrive_policy")


def test_event_source_mappings_report_batch_item_failures(plan):
    mappings = per_function(plan, "consumer_queue", "aws_lambda_event_source_mapping")
    streams = per_function(plan, "stream_source", "aws_lambda_event_source_mapping")
    assert set(mappings) == set(_consumers())
    assert len(of_type(plan, "aws_lambda_event_source_mapping")) == len(mappings) + len(streams)
    for fn, f in _consumers().items():
        values = mappings[fn].values
        assert values["function_response_types"] == ["ReportBatchItemFailures"], fn
        assert values["batch_size"] == f["consumes"]["batch_size"], fn
        assert values["scaling_config"] == [{"maximum_concurrency": f["consumes"]["max_concurrency"]}], fn
        assert values["enabled"] is True, fn


def test_subscriptions_are_raw_and_filter_on_status(plan):
    subscriptions = per_function(plan, "consumer_queue", "aws_sns_topic_subscription")
    assert set(subscriptions) == set(_consumers())
    # Every subscription but the alarm emails' (to the alarms topic) is a consumer's, or the
    # unroutable queue's.
    events_topic = [
        s for s in of_type(plan, "aws_sns_topic_subscription") if s.module != "module.alarms_topic"
    ]
    assert len(events_topic) == len(subscriptions) + 1
    for fn, f in _consumers().items():
        values = subscriptions[fn].values
        assert values["raw_message_delivery"] is True, fn
        assert values["protocol"] == "sqs", fn
        assert values["filter_policy_scope"] == "MessageAttributes", fn
        assert json.loads(values["filter_policy"]) == {"status": f["consumes"]["statuses"]}, fn


def test_topic_is_encrypted(plan):
    topics = of_type(plan, "aws_sns_topic")
    assert {t.module for t in topics} == {"module.topic", "module.alarms_topic"}
    for topic in topics:
        assert topic.is_set_or_computed("kms_master_key_id"), topic.address
    (key,) = of_type(plan, "aws_kms_key")
    assert key.values["enable_key_rotation"] is True


def test_tables_match_the_declaration(plan):
    topology = load_topology()
    tables: dict[str, Planned] = {t.module.split('"')[1]: t for t in of_type(plan, "aws_dynamodb_table")}
    assert set(tables) == set(topology["tables"])
    for logical, spec in topology["tables"].items():
        values = tables[logical].values
        assert values["billing_mode"] == "PAY_PER_REQUEST", logical
        assert values["hash_key"] == spec["hash_key"], logical
        assert values["point_in_time_recovery"][0]["enabled"] is True, logical
        assert values["server_side_encryption"][0]["enabled"] is True, logical
        ttl = [t for t in values.get("ttl") or [] if t.get("enabled")]
        if "ttl_attribute" in spec:
            assert ttl, logical
            assert ttl[0]["attribute_name"] == spec["ttl_attribute"], logical
        else:
            assert not ttl, logical


def test_functions_follow_the_declaration(plan):
    topology = load_topology()
    functions = per_function(plan, "function", "aws_lambda_function")
    assert set(functions) == set(topology["functions"])
    for fn, f in topology["functions"].items():
        values = functions[fn].values
        assert values["package_type"] == "Image", fn
        assert values["timeout"] == f["timeout_seconds"], fn
        assert values["memory_size"] == f["memory_mb"], fn
        assert values["image_config"][0]["command"] == [f["handler"]], fn
        assert values["tracing_config"] == [{"mode": "Active"}], fn
        variables = ((values.get("environment") or [{}])[0] or {}).get("variables")
        if variables is None:
            # Unknown as a whole while it holds the topic ARN; the post-apply
            # plan in test_emulator.py checks every function's environment.
            assert f.get("publishes"), fn
            assert functions[fn].unknown.get("environment"), fn
            continue
        assert set(variables) == expected_environment({**f, "name": fn}), fn
        assert variables["POWERTOOLS_SERVICE_NAME"] == fn
        assert variables["POWERTOOLS_LOG_LEVEL"] == plan["variables"]["log_level"]["value"]
        assert variables["WORKSPACE"] == _workspace(plan)  # the business metrics' dimension
        assert variables["POWERTOOLS_LOGGER_SAMPLE_RATE"] == "0"


def test_image_uri_uses_the_tag(plan):
    for fn in per_function(plan, "function", "aws_lambda_function").values():
        assert fn.unknown.get("image_uri") is True or fn.values["image_uri"].endswith(":0123456789ab")


def test_api_requires_a_key_and_proxies_to_order_api(plan):
    methods = of_type(plan, "aws_api_gateway_method")
    assert {(m.values["http_method"]) for m in methods} == {"POST", "GET"}
    assert all(m.values["api_key_required"] for m in methods)
    integrations = of_type(plan, "aws_api_gateway_integration")
    assert {i.values["type"] for i in integrations} == {"AWS_PROXY"}
    (stage,) = of_type(plan, "aws_api_gateway_stage")
    assert stage.values["access_log_settings"], "stage has no access logs"
    (settings,) = of_type(plan, "aws_api_gateway_method_settings")
    throttle = settings.values["settings"][0]
    assert throttle["throttling_rate_limit"] > 0
    assert throttle["throttling_burst_limit"] > 0
    assert of_type(plan, "aws_api_gateway_usage_plan")
    assert of_type(plan, "aws_api_gateway_usage_plan_key")


def test_alarms_on_every_dlq_and_function(plan):
    alarms = of_type(plan, "aws_cloudwatch_metric_alarm")
    dlq_alarms = [a for a in alarms if a.values["metric_name"] == "ApproximateNumberOfMessagesVisible"]
    error_alarms = [a for a in alarms if a.values["metric_name"] == "Errors"]
    streams = [f for f in load_topology()["functions"].values() if "stream" in f]
    # a DLQ per consumer, the failures queue per stream consumer, and the unroutable queue
    assert len(dlq_alarms) == len(_consumers()) + len(streams) + 1
    assert len(error_alarms) == len(load_topology()["functions"])
    for alarm in dlq_alarms:
        assert alarm.values["comparison_operator"] == "GreaterThanThreshold"
        assert alarm.values["threshold"] == 0


def test_log_groups_have_retention(plan):
    retention = plan["variables"]["log_retention_days"]["value"]
    groups = of_type(plan, "aws_cloudwatch_log_group")
    assert len(groups) >= len(load_topology()["functions"])
    for group in groups:
        assert group.values["retention_in_days"] == retention, group.address
        assert group.is_set_or_computed("kms_key_id"), group.address


def test_ses_requires_tls(plan):
    (config_set,) = of_type(plan, "aws_sesv2_configuration_set")
    assert config_set.values["delivery_options"][0]["tls_policy"] == "REQUIRE"
    assert config_set.values["reputation_options"][0]["reputation_metrics_enabled"] is True
    (identity,) = of_type(plan, "aws_sesv2_email_identity")
    assert "@" in identity.values["email_identity"]
    assert identity.values["configuration_set_name"] == config_set.values["configuration_set_name"]
    assert not of_type(plan, "aws_ses_email_identity")  # v1: its API cannot be scoped to an ARN
    assert not of_type(plan, "aws_ses_configuration_set")


def test_ecr_repositories(plan):
    topology = load_topology()
    repos = of_type(plan, "aws_ecr_repository")
    assert len(repos) == len({f["image"] for f in topology["functions"].values()})
    for repo in repos:
        assert repo.values["image_tag_mutability"] == "IMMUTABLE"
        assert repo.values["image_scanning_configuration"] == [{"scan_on_push": True}]
    policies = of_type(plan, "aws_ecr_lifecycle_policy")
    assert len(policies) == len(repos)
    for policy in policies:
        # Only untagged images ever expire: a deployable image is always tagged, and a
        # digest staging or prod still deploys (or copies from dev) must not disappear.
        (rule,) = json.loads(policy.values["policy"])["rules"]
        assert rule["selection"]["tagStatus"] == "untagged", policy.address
        assert rule["selection"]["countType"] == "sinceImagePushed", policy.address
        assert rule["selection"]["countNumber"] == plan["variables"]["ecr_untagged_expiry_days"]["value"]
        assert rule["action"] == {"type": "expire"}


# --- security: boundaries, account-wide settings, alarms, the IAM linter ------------------

ACCOUNT = "123456789012"  # moto's


def test_every_role_carries_the_workspace_boundary(plan):
    # The default (null) means the boundary terraform/bootstrap creates for the workspace.
    assert plan["variables"]["permissions_boundary_arn"]["value"] is None
    expected = f"arn:aws:iam::{ACCOUNT}:policy/ci/orderflow-{_workspace(plan)}-boundary"
    roles = of_type(plan, "aws_iam_role")
    assert len(roles) >= len(load_topology()["functions"])
    for role in roles:
        assert role.values.get("permissions_boundary") == expected, role.address


def test_no_workspace_sets_the_account_wide_api_gateway_role(plan):
    """API Gateway's CloudWatch role is per account and region: terraform/bootstrap sets it,
    so destroying one workspace cannot break another's API logging."""
    assert not of_type(plan, "aws_api_gateway_account")
    assert not [r for r in of_type(plan, "aws_iam_role") if "apigateway" in r.values["assume_role_policy"]]


def _workspace(plan: dict) -> str:
    (stage,) = of_type(plan, "aws_api_gateway_stage")
    return stage.values["stage_name"]


def _alarms(plan: dict) -> dict[str, Planned]:
    return {a.values["alarm_name"]: a for a in of_type(plan, "aws_cloudwatch_metric_alarm")}


def test_the_alarms_that_catch_what_lambda_errors_miss(plan):
    topology = load_topology()
    prefix = f"orderflow-{_workspace(plan)}"
    alarms = _alarms(plan)
    for fn, f in topology["functions"].items():
        throttles = alarms[f"{prefix}-{fn}-throttles"].values
        assert (throttles["namespace"], throttles["metric_name"]) == ("AWS/Lambda", "Throttles")
        assert throttles["dimensions"] == {"FunctionName": f"{prefix}-{fn}"}
        if "consumes" not in f:
            continue
        # Partial batch failures are no Lambda error: queue age shows a stuck or failing consumer.
        age = alarms[f"{prefix}-{fn}-oldest-message-age"].values
        assert (age["namespace"], age["metric_name"]) == ("AWS/SQS", "ApproximateAgeOfOldestMessage")
        assert age["dimensions"] == {"QueueName": f"{prefix}-{fn}"}
        visibility = topology["visibility_timeout_factor"] * f["timeout_seconds"]
        assert 0 < age["threshold"] <= 2 * visibility
    api = {
        a["metric_name"]: a for a in (x.values for x in alarms.values()) if a["namespace"] == "AWS/ApiGateway"
    }
    assert set(api) == {"5XXError", "Latency"}
    for alarm in api.values():
        assert alarm["dimensions"] == {"ApiName": f"{prefix}-api", "Stage": _workspace(plan)}
    assert api["Latency"]["extended_statistic"] == "p99"
    # 5XXError's average is the share of requests answered 5XX: the alarm is on the rate.
    assert api["5XXError"]["statistic"] == "Average"
    assert api["5XXError"]["threshold"] == plan["variables"]["api_5xx_rate_alarm"]["value"] == 0.05
    assert api["Latency"]["threshold"] == plan["variables"]["api_latency_alarm_ms"]["value"]
    sns = [a.values for a in alarms.values() if a.values["namespace"] == "AWS/SNS"]
    assert [(a["metric_name"], a["dimensions"]) for a in sns] == [
        ("NumberOfNotificationsFailed", {"TopicName": f"{prefix}-{load_topology()['topic']}"})
    ]
    ses = {a.values["metric_name"]: a.values for a in alarms.values() if a.values["namespace"] == "AWS/SES"}
    assert set(ses) == {"Reputation.BounceRate", "Reputation.ComplaintRate"}
    assert ses["Reputation.BounceRate"]["threshold"] <= 0.05
    assert ses["Reputation.ComplaintRate"]["threshold"] <= 0.001


def test_every_alarm_notifies_the_alarms_topic(plan):
    alarms = of_type(plan, "aws_cloudwatch_metric_alarm")
    assert len(alarms) >= 2 * len(load_topology()["functions"]) + 2 * len(_consumers()) + 5
    for alarm in alarms:
        # [alarms topic ARN (known after apply), *alarm_actions]; test_emulator checks the ARN.
        assert alarm.unknown.get("alarm_actions") or alarm.values.get("alarm_actions"), alarm.address
    (topic,) = [t for t in of_type(plan, "aws_sns_topic") if t.module == "module.alarms_topic"]
    assert topic.values["name"] == f"orderflow-{_workspace(plan)}-alarms"
    emails = [
        s.values["endpoint"]
        for s in of_type(plan, "aws_sns_topic_subscription")
        if s.values["protocol"] == "email"
    ]
    assert emails == plan["variables"]["alarm_emails"]["value"]
    if _workspace(plan) == "prod":
        assert emails or plan["variables"]["alarm_actions"]["value"], "prod notifies nobody"


def test_prod_without_anyone_to_notify_does_not_plan(planning_copy: Terraform, plans):
    planning_copy.run("workspace", "select", "prod", "-no-color")
    proc = planning_copy.run(
        "plan",
        "-input=false",
        "-no-color",
        "-var-file=environments/prod.tfvars",
        "-var=image_tag=0123456789ab",
        "-var=alarm_emails=[]",
        "-var=alarm_actions=[]",
        check=False,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "prod must notify someone" in proc.stderr.replace("\n", " ")


def test_queue_and_topic_policies_exist_for_every_queue_and_topic(plan):
    """Their contents are known after apply (test_emulator checks TLS-only and who may send)."""
    streams = [f for f in load_topology()["functions"].values() if "stream" in f]
    # a queue and a DLQ per consumer, a failures queue per stream consumer, the unroutable queue
    assert (
        len(of_type(plan, "aws_sqs_queue_policy"))
        == len(of_type(plan, "aws_sqs_queue"))
        == 2 * len(_consumers()) + len(streams) + 1
    )
    assert len(of_type(plan, "aws_sns_topic_policy")) == len(of_type(plan, "aws_sns_topic"))
    assert len(of_type(plan, "aws_sqs_queue_redrive_allow_policy")) == len(_consumers())


def test_iam_linter_on_the_policies_known_before_apply(plan):
    """Policies naming only known ARNs (trust policies, the key policy, ECR repository
    policies, the account's...) are linted here for every workspace; the rest are known only
    after apply and are linted in test_emulator.py on the applied dev workspace."""
    from .iam_lint import allowlist, lint, planned_policies, unaccepted

    policies, unknown = planned_policies(plan)
    assert len(policies) >= len(load_topology()["functions"]) + 1
    # Unknown before apply: every function's role policy and every queue/topic policy.
    assert all(".aws_iam_role_policy." in a or "_policy" in a for a in unknown), unknown
    findings = lint(f"root/{_workspace(plan)}", policies)
    left = unaccepted(findings, allowlist())
    assert not left, "findings without a reason in tests/infra/iam_lint_allowlist.toml:\n" + "\n".join(
        map(str, left)
    )


def test_the_relay_reads_the_orders_stream_with_lambdas_safety_nets(plan):
    topology = load_topology()
    (relay,) = [name for name, f in topology["functions"].items() if "stream" in f]
    declared = topology["functions"][relay]["stream"]
    (mapping,) = per_function(plan, "stream_source", "aws_lambda_event_source_mapping").values()
    values = mapping.values
    assert mapping.module == f'module.stream_source["{relay}"]'
    assert values["function_response_types"] == ["ReportBatchItemFailures"]
    assert values["bisect_batch_on_function_error"] is True
    assert values["maximum_retry_attempts"] == declared["maximum_retry_attempts"]
    assert values["maximum_record_age_in_seconds"] == declared["maximum_record_age_seconds"]
    assert values["starting_position"] == declared["starting_position"]
    (criteria,) = values["filter_criteria"]
    assert [json.loads(f["pattern"]) for f in criteria["filter"]] == [declared["filter"]]
    on_failure = values["destination_config"][0]["on_failure"][0]
    assert (
        on_failure.get("destination_arn")
        or mapping.unknown["destination_config"][0]["on_failure"][0]["destination_arn"]
    )
    failures = per_function(plan, "stream_source", "aws_sqs_queue", "failures")
    assert set(failures) == {relay}
    assert failures[relay].is_set_or_computed("kms_master_key_id")
    ages = per_function(plan, "function_alarms", "aws_cloudwatch_metric_alarm", key="iterator_age")
    assert set(ages) == {relay}
    assert ages[relay].values["metric_name"] == "IteratorAge"


def test_the_orders_table_streams_new_images_and_has_the_sparse_due_index(plan):
    tables = {t.module.split('"')[1]: t.values for t in of_type(plan, "aws_dynamodb_table")}
    orders = tables["orders"]
    assert orders["stream_enabled"] is True
    assert orders["stream_view_type"] == "NEW_IMAGE"
    (index,) = orders["global_secondary_index"]
    assert (index["name"], index["hash_key"], index["range_key"]) == ("due", "due_shard", "due_at")
    assert index["projection_type"] == "KEYS_ONLY"
    assert all(not t.get("stream_enabled") for name, t in tables.items() if name != "orders")


def test_the_sweeper_runs_on_a_schedule_with_a_stuck_orders_alarm(plan):
    topology = load_topology()
    (sweeper,) = [name for name, f in topology["functions"].items() if "schedule" in f]
    (rule,) = per_function(plan, "schedule", "aws_cloudwatch_event_rule").values()
    assert rule.values["schedule_expression"] == "rate(1 minute)"
    assert set(per_function(plan, "schedule", "aws_cloudwatch_event_target")) == {sweeper}
    permission = per_function(plan, "schedule", "aws_lambda_permission")[sweeper]
    assert permission.values["principal"] == "events.amazonaws.com"
    (stuck,) = [
        a for a in of_type(plan, "aws_cloudwatch_metric_alarm") if a.values["metric_name"] == "StuckOrders"
    ]
    assert stuck.values["namespace"] == "orderflow"
    assert stuck.values["dimensions"] == {"workspace": _workspace(plan)}
    assert stuck.values["threshold"] == 0


def test_unroutable_events_have_a_queue_and_an_alarm(plan):
    topology = load_topology()
    routed = sorted(
        {s for f in topology["functions"].values() for s in f.get("consumes", {}).get("statuses", [])}
    )
    (subscription,) = [s for s in of_type(plan, "aws_sns_topic_subscription") if "unroutable" in s.module]
    assert json.loads(subscription.values["filter_policy"]) == {
        "$or": [{"status": [{"exists": False}]}, {"status": [{"anything-but": routed}]}]
    }
    assert subscription.values["raw_message_delivery"] is True
    alarms = [a for a in of_type(plan, "aws_cloudwatch_metric_alarm") if "unroutable" in a.module]
    assert len(alarms) == 1


# --- observability: tracing, architecture, dashboard, business alarms ---------------


def test_tracing_is_on_along_the_whole_path(plan):
    for fn, function in per_function(plan, "function", "aws_lambda_function").items():
        assert function.values["tracing_config"] == [{"mode": "Active"}], fn
    (stage,) = of_type(plan, "aws_api_gateway_stage")
    assert stage.values["xray_tracing_enabled"] is True
    (events,) = [t for t in of_type(plan, "aws_sns_topic") if t.module == "module.topic"]
    assert events.values["tracing_config"] == "Active"


def test_functions_run_on_the_workspaces_image_architecture(plan):
    """`make build` reads the same tfvars value to pick its --platform (tests/unit/test_make.py)."""
    architecture = plan["variables"]["image_architecture"]["value"]
    assert architecture in ("x86_64", "arm64")
    for fn, function in per_function(plan, "function", "aws_lambda_function").items():
        assert function.values["architectures"] == [architecture], fn


def _dashboard(plan) -> list[dict]:
    (dashboard,) = of_type(plan, "aws_cloudwatch_dashboard")
    assert dashboard.values["dashboard_name"] == f"orderflow-{_workspace(plan)}"
    return json.loads(dashboard.values["dashboard_body"])["widgets"]


def test_the_dashboard_has_a_row_per_topology_function(plan):
    prefix = f"orderflow-{_workspace(plan)}"
    widgets = {w["properties"]["title"]: w["properties"] for w in _dashboard(plan)}
    for fn, f in load_topology()["functions"].items():
        name = f"{prefix}-{fn}"
        activity = widgets[f"{fn}: invocations, errors, throttles"]
        assert [m[1:4] for m in activity["metrics"]] == [
            [metric, "FunctionName", name] for metric in ("Invocations", "Errors", "Throttles")
        ], fn
        duration = widgets[f"{fn}: duration p50, p99 (ms)"]
        assert [(m[1], m[3], m[4]["stat"]) for m in duration["metrics"]] == [
            ("Duration", name, "p50"),
            ("Duration", name, "p99"),
        ], fn
        queues = widgets.get(f"{fn}: queue and DLQ depth")
        if "consumes" in f:
            assert queues is not None, fn
            assert [m[3] for m in queues["metrics"]] == [name, f"{name}-dlq"], fn
        else:
            assert queues is None, fn
        iterator = widgets.get(f"{fn}: iterator age (ms)")
        if "stream" in f:
            assert iterator is not None
            assert iterator["metrics"] == [["AWS/Lambda", "IteratorAge", "FunctionName", name]], fn
        else:
            assert iterator is None, fn
    functions = {t.split(":")[0] for t in widgets if ":" in t and not t.startswith("API")}
    assert functions == set(load_topology()["functions"])


def test_the_dashboard_shows_every_business_metric_the_functions_emit(plan):
    from services.shared.observability import ORDER_TO_SHIPPED, business_metrics

    shown = [
        (m[0], m[1], m[2], m[3])
        for w in _dashboard(plan)
        for m in w["properties"]["metrics"]
        if m[0] == "orderflow"
    ]
    assert {m[1] for m in shown} == set(business_metrics())
    assert {(m[0], m[2], m[3]) for m in shown} == {("orderflow", "workspace", _workspace(plan))}
    widgets = {w["properties"]["title"]: w["properties"] for w in _dashboard(plan)}
    timing = widgets[f"{ORDER_TO_SHIPPED} p50, p99"]
    assert [m[4]["stat"] for m in timing["metrics"]] == ["p50", "p99"]


def test_the_business_alarms(plan):
    ws = _workspace(plan)
    alarms = _alarms(plan)
    decline = alarms[f"orderflow-{ws}-payment-decline-rate"].values
    assert decline["threshold"] == plan["variables"]["decline_rate_alarm_share"]["value"] == 0.2
    queries = {q["id"]: q for q in decline["metric_query"]}
    assert queries["rate"]["return_data"] is True
    assert "declined, 0) / (FILL(authorised" in queries["rate"]["expression"]
    assert ">= 10," in queries["rate"]["expression"]  # not judged on a handful of payments
    for query, metric in (("authorised", "PaymentsAuthorised"), ("declined", "PaymentsDeclined")):
        (stat,) = queries[query]["metric"]
        assert (stat["namespace"], stat["metric_name"], stat["dimensions"]) == (
            "orderflow",
            metric,
            {"workspace": ws},
        )
    rejections = alarms[f"orderflow-{ws}-email-rejections"].values
    assert (rejections["metric_name"], rejections["dimensions"]) == ("EmailsRejected", {"workspace": ws})
    assert rejections["threshold"] == 0
    assert rejections["comparison_operator"] == "GreaterThanThreshold"
    assert alarms[f"orderflow-{ws}-stuck-orders"].values["threshold"] == 0
    missing = alarms[f"orderflow-{ws}-outbox-order-missing"].values
    assert (missing["metric_name"], missing["dimensions"]) == ("OutboxOrderMissing", {"workspace": ws})
    assert missing["threshold"] == 0
    relay = alarms[f"orderflow-{ws}-relay-iterator-age"].values
    assert relay["threshold"] == plan["variables"]["iterator_age_alarm_ms"]["value"]


def test_outputs_name_the_ses_identity_to_verify_and_the_dashboard(plan):
    outputs = plan["planned_values"]["outputs"]
    sender = plan["variables"]["email_sender"]["value"]
    assert outputs["email_identity_to_verify"]["value"] == sender
    assert f"--email-identity {sender}" in outputs["email_identity_status_command"]["value"]
    assert outputs["dashboard_url"]["value"].endswith(f"#dashboards/dashboard/orderflow-{_workspace(plan)}")

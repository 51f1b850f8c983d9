"""terraform apply into an embedded moto server, then: routing by status,
assertions on the post-apply plan, no drift, and destroy.

One module-scoped deployment serves every test; the tests run in file order
and the last one destroys it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass

import pytest

from .conftest import PARALLELISM, TIMINGS, Terraform, emulator_copy, load_topology
from .plan_json import (
    as_list,
    declared_environment,
    expected_environment,
    of_type,
    per_function,
    policy_statements,
)

pytestmark = pytest.mark.infra

WORKSPACE = "dev"
VAR_FILES = [f"-var-file=environments/{WORKSPACE}.tfvars", "-var-file=local/emulator.tfvars"]


@dataclass
class Deployment:
    tf: Terraform
    outputs: dict


@pytest.fixture(scope="module")
def deployed(terraform_bin, tf_env, moto_endpoint, tmp_path_factory) -> Deployment:
    root = emulator_copy(tmp_path_factory.mktemp("emulator"), moto_endpoint)
    tf = Terraform(terraform_bin, root, tf_env)
    tf.run("init", "-input=false", "-no-color")
    tf.run("workspace", "new", WORKSPACE, "-no-color")
    started = time.monotonic()
    tf.run(
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        f"-parallelism={PARALLELISM}",
        *VAR_FILES,
        timeout=1500,
    )
    TIMINGS["terraform apply into moto"] = time.monotonic() - started
    return Deployment(tf, tf.output())


@pytest.fixture(scope="module")
def post_apply_plan(deployed: Deployment) -> tuple[int, dict]:
    """`terraform plan -detailed-exitcode` right after apply, and its JSON."""
    started = time.monotonic()
    proc = deployed.tf.run(
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        f"-parallelism={PARALLELISM}",
        "-out=post-apply.tfplan",
        *VAR_FILES,
        check=False,
    )
    TIMINGS["terraform plan after apply"] = time.monotonic() - started
    assert proc.returncode in (0, 2), proc.stderr
    return proc.returncode, deployed.tf.show_json("post-apply.tfplan")


def _drain(sqs, url: str) -> list[dict]:
    messages: list[dict] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=600,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)


def test_outputs_cover_the_declaration(deployed: Deployment):
    topology = load_topology()
    consumers = {name for name, f in topology["functions"].items() if "consumes" in f}
    images = {f["image"] for f in topology["functions"].values()}
    out = deployed.outputs
    assert set(out["queue_urls"]) == consumers
    assert set(out["dlq_urls"]) == consumers
    assert set(out["ecr_repository_urls"]) == images
    assert set(out["function_names"]) == set(topology["functions"])
    assert set(out["table_names"]) == set(topology["tables"])
    assert out["topic_arn"].endswith(f":orderflow-{WORKSPACE}-{topology['topic']}")
    assert out["api_url"]
    assert out["api_key_id"] in out["api_key_fetch_command"]


def test_every_status_reaches_exactly_its_consumers(deployed: Deployment, boto_session):
    topology = load_topology()
    sns, sqs = boto_session("sns"), boto_session("sqs")
    out = deployed.outputs
    run = uuid.uuid4().hex

    published: dict[str, str] = {}
    for status in topology["statuses"]:
        body = json.dumps({"status": status, "probe": run})
        sns.publish(
            TopicArn=out["topic_arn"],
            Message=body,
            MessageAttributes={"status": {"DataType": "String", "StringValue": status}},
        )
        published[status] = body

    received = {fn: _drain(sqs, url) for fn, url in out["queue_urls"].items()}
    for fn, messages in received.items():
        expected = Counter(topology["functions"][fn]["consumes"]["statuses"])
        got = Counter(json.loads(m["Body"])["status"] for m in messages)
        assert got == expected, f"{fn} queue received {dict(got)}, declaration says {dict(expected)}"
        for m in messages:
            status = json.loads(m["Body"])["status"]
            # Raw delivery: the body is the published message, no SNS envelope,
            # and the status attribute arrives as an SQS message attribute.
            assert m["Body"] == published[status]
            assert m["MessageAttributes"]["status"]["StringValue"] == status

    for fn, url in out["dlq_urls"].items():
        assert _drain(sqs, url) == [], f"{fn} DLQ received messages"
    assert _drain(sqs, out["parked_queue_urls"]["unroutable"]) == [], "a declared status was unroutable"


def test_an_unknown_or_missing_status_lands_in_the_unroutable_queue(deployed: Deployment, boto_session):
    sns, sqs = boto_session("sns"), boto_session("sqs")
    out = deployed.outputs
    sns.publish(
        TopicArn=out["topic_arn"],
        Message='{"status": "PAYMENT_REFUNDED"}',
        MessageAttributes={"status": {"DataType": "String", "StringValue": "PAYMENT_REFUNDED"}},
    )
    sns.publish(TopicArn=out["topic_arn"], Message='{"no": "status"}')
    kept = sorted(m["Body"] for m in _drain(sqs, out["parked_queue_urls"]["unroutable"]))
    assert kept == ['{"no": "status"}', '{"status": "PAYMENT_REFUNDED"}']
    for fn, url in out["queue_urls"].items():
        assert _drain(sqs, url) == [], f"{fn} received an unroutable event"


def _changed_attributes(change: dict) -> dict:
    before, after = change.get("before") or {}, change.get("after") or {}
    return {
        k: (before.get(k), after.get(k)) for k in set(before) | set(after) if before.get(k) != after.get(k)
    }


def test_plan_after_apply_reports_no_changes(post_apply_plan):
    exit_code, plan = post_apply_plan
    changed = [
        (c["address"], c["change"]["actions"], _changed_attributes(c["change"]))
        for c in plan.get("resource_changes", [])
        if c["change"]["actions"] != ["no-op"]
    ]
    assert exit_code == 0, f"plan right after apply wants changes: {changed}"


def test_function_environments(post_apply_plan, deployed: Deployment):
    _, plan = post_apply_plan
    topology = load_topology()
    out = deployed.outputs
    functions = per_function(plan, "function", "aws_lambda_function")
    deployment = {
        "tables": out["table_names"],
        "topic_arn": out["topic_arn"],
        "email_sender": plan["variables"]["email_sender"]["value"],
        "configuration_set": f"orderflow-{WORKSPACE}-email",
        "metrics_namespace": plan["variables"]["project"]["value"],
        "log_level": plan["variables"]["log_level"]["value"],
        "log_sample_rate": plan["variables"]["log_sample_rate"]["value"],
        "invoice_series": plan["variables"]["invoice_series"]["value"],
        "workspace": WORKSPACE,
    }
    for fn, f in topology["functions"].items():
        env = functions[fn].values["environment"][0]["variables"]
        assert set(env) == expected_environment({**f, "name": fn}), fn
        # Every value too: what Terraform set is what the one Python definition gives.
        assert env == declared_environment(fn, **deployment), fn
        for var, t in f["tables"].items():
            assert env[var] == out["table_names"][t["table"]] == f"orderflow-{WORKSPACE}-{t['table']}", (
                fn,
                var,
            )
        if f.get("publishes"):
            assert env["EVENTS_TOPIC_ARN"] == out["topic_arn"]
        if f.get("sends_email"):
            assert env["EMAIL_CONFIGURATION_SET"] == f"orderflow-{WORKSPACE}-email"
            assert "@" in env["EMAIL_SENDER"]
        assert env["POWERTOOLS_SERVICE_NAME"] == fn
        repo = out["ecr_repository_urls"][f["image"]]
        assert functions[fn].values["image_uri"] == f"{repo}:emulator", fn
        assert functions[fn].values["image_config"][0]["command"] == [f["handler"]], fn


def test_redrive_after_max_receive_count(post_apply_plan):
    _, plan = post_apply_plan
    topology = load_topology()
    queues = per_function(plan, "consumer_queue", "aws_sqs_queue")
    dlqs = per_function(plan, "consumer_queue", "aws_sqs_queue", "dlq")
    for fn, f in topology["functions"].items():
        if "consumes" not in f:
            continue
        redrive = json.loads(queues[fn].values["redrive_policy"])
        assert redrive["maxReceiveCount"] == f["consumes"]["max_receive_count"] >= 5
        assert redrive["deadLetterTargetArn"] == dlqs[fn].values["arn"]


def test_encryption_uses_the_workspace_key(post_apply_plan, deployed: Deployment):
    _, plan = post_apply_plan
    key_arn = deployed.outputs["kms_key_arn"]
    topics = of_type(plan, "aws_sns_topic")
    assert len(topics) == 2  # the events topic and the alarms topic
    for topic in topics:
        assert topic.values["kms_master_key_id"] == key_arn, topic.address
    for queue in of_type(plan, "aws_sqs_queue"):
        assert queue.values["kms_master_key_id"] == key_arn, queue.address
    for table in of_type(plan, "aws_dynamodb_table"):
        (sse,) = table.values["server_side_encryption"]
        assert sse["enabled"], table.address
        assert sse["kms_key_arn"] == key_arn, table.address
    for group in of_type(plan, "aws_cloudwatch_log_group"):
        assert group.values["kms_key_id"] == key_arn, group.address


def _statements(plan: dict, resource_type: str) -> list[tuple[str, dict]]:
    found = []
    for r in of_type(plan, resource_type):
        attr = "assume_role_policy" if resource_type == "aws_iam_role" else "policy"
        found.extend((r.address, s) for s in policy_statements(r.values[attr]))
    return found


def test_no_policy_grants_every_action(post_apply_plan):
    _, plan = post_apply_plan
    every = []
    for resource_type in (
        "aws_iam_role_policy",
        "aws_iam_role",
        "aws_kms_key",
        "aws_sqs_queue_policy",
        "aws_sns_topic_policy",
        "aws_ecr_repository_policy",
    ):
        every.extend(_statements(plan, resource_type))
    assert every
    for address, statement in every:
        actions = as_list(statement.get("Action")) + as_list(statement.get("NotAction"))
        assert "*" not in actions, f"{address} {statement.get('Sid')} grants every action"
        assert "NotAction" not in statement, f"{address} uses NotAction"


def test_function_roles_are_least_privilege(post_apply_plan, deployed: Deployment):
    _, plan = post_apply_plan
    topology = load_topology()
    out = deployed.outputs
    policies = per_function(plan, "function", "aws_iam_role_policy")
    queues = per_function(plan, "consumer_queue", "aws_sqs_queue")
    tables = {r.values["name"]: r.values["arn"] for r in of_type(plan, "aws_dynamodb_table")}
    for fn, f in topology["functions"].items():
        statements = {s["Sid"]: s for s in policy_statements(policies[fn].values["policy"])}
        for sid, s in statements.items():
            actions = as_list(s["Action"])
            assert not any(a.endswith(":*") for a in actions), f"{fn} {sid} grants a whole service"
            if "*" in as_list(s["Resource"]):
                # only actions with no resource-level permissions: X-Ray upload, ListStreams
                assert sid in ("XRayTraces", "ListStreams"), f"{fn} {sid} uses Resource *"

        granted_tables = {
            r
            for sid in ("ReadOwnTables", "ReadWriteOwnTables")
            if sid in statements
            for r in as_list(statements[sid]["Resource"])
        }
        whole = [t for t in f["tables"].values() if not t.get("attributes")]
        own = {tables[out["table_names"][t["table"]]] for t in whole}
        assert granted_tables == own | {f"{arn}/index/*" for arn in own}, fn
        for t in f["tables"].values():
            if not t.get("attributes"):
                continue
            # Only some attributes of this table, and only through GetItem (billing: the token).
            (reads,) = [s for sid, s in statements.items() if sid.startswith("ReadOnlyAttributes")]
            assert as_list(reads["Action"]) == ["dynamodb:GetItem"], fn
            assert as_list(reads["Resource"]) == [tables[out["table_names"][t["table"]]]], fn
            condition = reads["Condition"]
            assert condition["Null"]["dynamodb:Attributes"] == "false"
            assert sorted(as_list(condition["ForAllValues:StringEquals"]["dynamodb:Attributes"])) == sorted(
                t["attributes"]
            )
            assert condition["StringEqualsIfExists"]["dynamodb:Select"] == "SPECIFIC_ATTRIBUTES"
        if "stream" in f:
            assert as_list(statements["ListStreams"]["Action"]) == ["dynamodb:ListStreams"]
            stream = statements["ReadTheStream"]
            arn = tables[out["table_names"][f["stream"]["table"]]]
            assert [r.split("/stream/")[0] for r in as_list(stream["Resource"])] == [arn], fn
        else:
            assert "ReadTheStream" not in statements, fn
        writes = {
            tables[out["table_names"][t["table"]]]
            for t in f["tables"].values()
            if t["access"] == "read_write"
        }
        assert {
            r for r in as_list(statements.get("ReadWriteOwnTables", {}).get("Resource")) if "/index/" not in r
        } == writes

        if f.get("publishes"):
            assert as_list(statements["PublishToTheTopic"]["Resource"]) == [out["topic_arn"]]
        else:
            assert "PublishToTheTopic" not in statements, fn
        if "consumes" in f:
            assert as_list(statements["ConsumeOwnQueue"]["Resource"]) == [queues[fn].values["arn"]]
        else:
            assert "ConsumeOwnQueue" not in statements, fn
        # Scan (only the operator CLI scans) and BatchWriteItem are used by no function;
        # DeleteItem only where the topology says the function deletes items (the email claim
        # it gives back when SES did not take the message).
        granted = {a for s in statements.values() for a in as_list(s["Action"])}
        assert not granted & {"dynamodb:Scan", "dynamodb:BatchWriteItem"}, fn
        deletes = {
            tables[out["table_names"][t["table"]]] for t in f["tables"].values() if t.get("delete_items")
        }
        assert {
            r
            for s in statements.values()
            if "dynamodb:DeleteItem" in as_list(s["Action"])
            for r in as_list(s["Resource"])
        } == deletes, fn

        if f.get("sends_email"):
            send = statements["SendEmailFromTheSender"]
            assert as_list(send["Action"]) == ["ses:SendEmail"]
            assert send["Condition"]["StringEquals"]["ses:FromAddress"]
        else:
            assert not any(a.startswith("ses:") for s in statements.values() for a in as_list(s["Action"])), (
                fn
            )


def test_queue_policies_admit_only_the_topic(post_apply_plan, deployed: Deployment):
    _, plan = post_apply_plan
    allows = [(a, st) for a, st in _statements(plan, "aws_sqs_queue_policy") if st["Effect"] == "Allow"]
    subscribed = {q.address for q in per_function(plan, "consumer_queue", "aws_sqs_queue_policy").values()}
    subscribed.add("module.unroutable.aws_sqs_queue_policy.this")  # the queues the topic delivers to
    assert {a for a, _ in allows} == subscribed
    for address, statement in allows:
        assert statement["Principal"] == {"Service": "sns.amazonaws.com"}, address
        assert as_list(statement["Action"]) == ["sqs:SendMessage"], address
        assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == deployed.outputs["topic_arn"], address


def _denies_insecure_transport(statements: list[dict], arn: str, service: str) -> bool:
    return any(
        s["Effect"] == "Deny"
        and s["Principal"] == "*"
        and as_list(s["Action"]) == [f"{service}:*"]
        and as_list(s["Resource"]) == [arn]
        and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )


def test_every_queue_and_topic_refuses_plain_http(post_apply_plan):
    _, plan = post_apply_plan
    queue_policies = {
        r.values["queue_url"]: r.values["policy"] for r in of_type(plan, "aws_sqs_queue_policy")
    }
    queues = of_type(plan, "aws_sqs_queue")
    functions = load_topology()["functions"].values()
    # a queue and a DLQ per consumer, a failures queue per stream consumer, the unroutable queue
    expected = (
        2 * len([f for f in functions if "consumes" in f]) + len([f for f in functions if "stream" in f]) + 1
    )
    assert len(queues) == expected
    for queue in queues:
        policy = policy_statements(queue_policies[queue.values["url"]])
        assert _denies_insecure_transport(policy, queue.values["arn"], "sqs"), queue.address
    topic_policies = {r.values["arn"]: r.values["policy"] for r in of_type(plan, "aws_sns_topic_policy")}
    for topic in of_type(plan, "aws_sns_topic"):
        policy = policy_statements(topic_policies[topic.values["arn"]])
        assert _denies_insecure_transport(policy, topic.values["arn"], "sns"), topic.address
        # The account keeps using the topic through IAM, as with SNS's default policy.
        (account,) = [s for s in policy if s.get("Sid") == "AccountManagesTheTopicThroughIam"]
        assert account["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
        assert {"sns:Publish", "sns:Subscribe"} <= set(as_list(account["Action"]))
        services = [s for s in policy if s.get("Sid") == "ServicesOfThisAccountPublish"]
        if topic.module == "module.alarms_topic":
            (cloudwatch,) = services
            assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
            assert cloudwatch["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
        else:
            assert not services, topic.address


def test_each_dlq_takes_dead_letters_only_from_its_queue(post_apply_plan):
    _, plan = post_apply_plan
    queues, dlqs = (
        per_function(plan, "consumer_queue", "aws_sqs_queue"),
        per_function(plan, "consumer_queue", "aws_sqs_queue", "dlq"),
    )
    allow = per_function(plan, "consumer_queue", "aws_sqs_queue_redrive_allow_policy", "dlq")
    assert set(allow) == set(dlqs) == set(queues)
    for fn, policy in allow.items():
        assert policy.values["queue_url"] == dlqs[fn].values["url"], fn
        assert json.loads(policy.values["redrive_allow_policy"]) == {
            "redrivePermission": "byQueue",
            "sourceQueueArns": [queues[fn].values["arn"]],
        }, fn


def test_every_alarm_notifies_the_alarms_topic(post_apply_plan):
    _, plan = post_apply_plan
    (topic,) = [t for t in of_type(plan, "aws_sns_topic") if t.module == "module.alarms_topic"]
    alarms = of_type(plan, "aws_cloudwatch_metric_alarm")
    assert alarms
    for alarm in alarms:
        assert topic.values["arn"] in alarm.values["alarm_actions"], alarm.address
        assert topic.values["arn"] in alarm.values["ok_actions"], alarm.address
    (key,) = of_type(plan, "aws_kms_key")
    (cloudwatch,) = [
        s
        for s in policy_statements(key.values["policy"])
        if s.get("Sid") == "CloudWatchAlarmsPublishToEncryptedTopics"
    ]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert cloudwatch["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


# --- the table key -------------------------------------------------------------------------

READ_KEY = {"kms:Decrypt", "kms:DescribeKey"}
WRITE_KEY = {"kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"}


def test_every_function_with_a_table_may_use_the_table_key_through_dynamodb(
    post_apply_plan, deployed: Deployment
):
    """DynamoDB uses the caller's own rights on a customer-managed key: readers decrypt,
    writers also encrypt, on this workspace's key only and only through DynamoDB."""
    from .iam_eval import Principal

    _, plan = post_apply_plan
    key = deployed.outputs["kms_key_arn"]
    via_dynamodb = {"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"}
    policies = per_function(plan, "function", "aws_iam_role_policy")
    for fn, f in load_topology()["functions"].items():
        role = Principal([policies[fn].values["policy"]], name=fn)
        reads = bool(f["tables"])
        writes = any(t["access"] == "read_write" for t in f["tables"].values())
        for action in sorted(READ_KEY):
            assert role.allows(action, key, via_dynamodb) is reads, (fn, action)
        for action in ("kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"):
            assert role.allows(action, key, via_dynamodb) is writes, (fn, action)
        # Not directly, not through another service or region, not on another key.
        for context in (
            {},
            {"kms:ViaService": "s3.eu-west-1.amazonaws.com"},
            {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"},
        ):
            assert not role.allows("kms:Decrypt", key, context), (fn, context)
            assert not role.allows("kms:Encrypt", key, context), (fn, context)
        other_key = key.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
        assert not role.allows("kms:Decrypt", other_key, via_dynamodb), fn
        # Exactly the two statements, scoped to the key, conditioned on DynamoDB.
        statements = {s["Sid"]: s for s in policy_statements(policies[fn].values["policy"])}
        expected = {"DecryptOwnTables": READ_KEY} if reads else {}
        if writes:
            expected["EncryptOwnTables"] = WRITE_KEY
        table_key = {
            sid: s for sid, s in statements.items() if sid in ("DecryptOwnTables", "EncryptOwnTables")
        }
        assert {sid: set(as_list(s["Action"])) for sid, s in table_key.items()} == expected, fn
        for s in table_key.values():
            assert as_list(s["Resource"]) == [key], fn
            assert s["Condition"] == {
                "StringEquals": {"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"}
            }, fn


def test_function_roles_fit_in_their_permissions_boundary(post_apply_plan, bootstrap):
    """Everything a function's policy grants is inside the boundary bootstrap creates for the
    workspace, so the deploy role can create the role and the function keeps working."""
    from .iam_eval import Principal, matches

    _, plan = post_apply_plan
    boundary = [
        r.values["policy"]
        for r in of_type(bootstrap.plan, "aws_iam_policy")
        if r.values["name"] == f"orderflow-{WORKSPACE}-boundary"
    ]
    assert len(boundary) == 1
    roles = per_function(plan, "function", "aws_iam_role")
    key = next(k.values for k in of_type(plan, "aws_kms_key"))
    for fn, policy in per_function(plan, "function", "aws_iam_role_policy").items():
        assert roles[fn].values["permissions_boundary"].endswith(f":policy/ci/orderflow-{WORKSPACE}-boundary")
        role = Principal([policy.values["policy"]], boundary=boundary[0], name=fn)
        for statement in policy_statements(policy.values["policy"]):
            # A request that meets the statement's own conditions (Null only asks for presence,
            # which the other operators' values already give).
            context = {
                k: v
                for op, cond in statement.get("Condition", {}).items()
                if op != "Null"
                for k, v in cond.items()
            }
            context["aws:ResourceTag/Workspace"] = key["tags_all"]["Workspace"]
            for action in as_list(statement["Action"]):
                action = action.replace("*", "Pair")  # a concrete action the wildcard stands for
                for resource in as_list(statement["Resource"]):
                    concrete = resource.replace("*", "x")
                    assert matches(resource, concrete)
                    assert role.allows(action, concrete, context), (
                        f"{fn}: {action} on {concrete} is outside the boundary"
                    )


def test_iam_linter_on_every_policy_of_the_applied_workspace(post_apply_plan):
    from .iam_lint import allowlist, lint, planned_policies, unaccepted, used

    _, plan = post_apply_plan
    policies, unknown = planned_policies(plan)
    assert not unknown
    assert len([p for p in policies if p.kind == "identity"]) == len(load_topology()["functions"])
    findings = lint(f"root/{WORKSPACE}", policies)
    assert not [
        f
        for f in findings
        if f.tool == "cloudsplaining" and f.issue in ("PrivilegeEscalation", "ResourceExposure")
    ]
    left = unaccepted(findings, allowlist())
    assert not left, "findings without a reason in tests/infra/iam_lint_allowlist.toml:\n" + "\n".join(
        map(str, left)
    )
    root_entries = [
        a
        for a in allowlist()
        if any(s.startswith("root") for s in a.sources) and "bootstrap" not in a.sources
    ]
    assert set(root_entries) <= used(findings, root_entries), (
        "allow-list entries for root/* that match nothing"
    )


def test_catalog_is_seeded(deployed: Deployment, boto_session):
    from .conftest import CATALOG_PATH, PLACEHOLDER_CATALOG

    catalog = json.loads(CATALOG_PATH.read_text()) if CATALOG_PATH.exists() else PLACEHOLDER_CATALOG
    dynamodb = boto_session("dynamodb")
    table = deployed.outputs["table_names"]["catalog"]
    items = dynamodb.scan(TableName=table)["Items"]
    assert {
        i["sku"]["S"]: (i["name"]["S"], int(i["unit_price"]["N"]), i["active"]["BOOL"]) for i in items
    } == {c["sku"]: (c["name"], c["unit_price"], c["active"]) for c in catalog}


def test_image_digests_pin_images(deployed: Deployment, post_apply_plan):
    """A digest per image wins over image_tag; an image_tag that is a digest is used as one."""
    topology = load_topology()
    per_image, fallback = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    deployed.tf.run(
        "plan",
        "-input=false",
        "-no-color",
        f"-parallelism={PARALLELISM}",
        "-out=digests.tfplan",
        *VAR_FILES,
        f"-var=image_tag={fallback}",
        f'-var=image_digests={{order = "{per_image}"}}',
    )
    functions = per_function(deployed.tf.show_json("digests.tfplan"), "function", "aws_lambda_function")
    for fn, f in topology["functions"].items():
        repo = deployed.outputs["ecr_repository_urls"][f["image"]]
        expected = f"{repo}@{per_image if f['image'] == 'order' else fallback}"
        assert functions[fn].values["image_uri"] == expected, fn


def test_destroy_succeeds(deployed: Deployment, boto_session, post_apply_plan):
    started = time.monotonic()
    deployed.tf.run(
        "destroy",
        "-auto-approve",
        "-input=false",
        "-no-color",
        f"-parallelism={PARALLELISM}",
        *VAR_FILES,
        timeout=1500,
    )
    TIMINGS["terraform destroy from moto"] = time.monotonic() - started
    prefix = f"orderflow-{WORKSPACE}-"
    assert not [u for u in boto_session("sqs").list_queues().get("QueueUrls", []) if prefix in u]
    assert not [
        f
        for f in boto_session("lambda").list_functions()["Functions"]
        if f["FunctionName"].startswith(prefix)
    ]
    assert not [t for t in boto_session("dynamodb").list_tables()["TableNames"] if t.startswith(prefix)]

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
from .plan_json import as_list, by_service, expected_environment, of_type, policy_statements

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


def test_plan_after_apply_reports_no_changes(post_apply_plan):
    exit_code, plan = post_apply_plan
    changed = [
        (c["address"], c["change"]["actions"])
        for c in plan.get("resource_changes", [])
        if c["change"]["actions"] != ["no-op"]
    ]
    assert exit_code == 0, f"plan right after apply wants changes: {changed}"


def test_function_environments(post_apply_plan, deployed: Deployment):
    _, plan = post_apply_plan
    topology = load_topology()
    out = deployed.outputs
    functions = by_service(plan, "aws_lambda_function")
    for fn, f in topology["functions"].items():
        env = functions[fn].values["environment"][0]["variables"]
        assert set(env) == expected_environment({**f, "name": fn}), fn
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
    queues = by_service(plan, "aws_sqs_queue")
    dlqs = by_service(plan, "aws_sqs_queue", "dlq")
    for fn, f in topology["functions"].items():
        if "consumes" not in f:
            continue
        redrive = json.loads(queues[fn].values["redrive_policy"])
        assert redrive["maxReceiveCount"] == f["consumes"]["max_receive_count"] >= 5
        assert redrive["deadLetterTargetArn"] == dlqs[fn].values["arn"]


def test_encryption_uses_the_workspace_key(post_apply_plan, deployed: Deployment):
    _, plan = post_apply_plan
    key_arn = deployed.outputs["kms_key_arn"]
    (topic,) = of_type(plan, "aws_sns_topic")
    assert topic.values["kms_master_key_id"] == key_arn
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
    policies = by_service(plan, "aws_iam_role_policy")
    queues = by_service(plan, "aws_sqs_queue")
    tables = {r.values["name"]: r.values["arn"] for r in of_type(plan, "aws_dynamodb_table")}
    for fn, f in topology["functions"].items():
        statements = {s["Sid"]: s for s in policy_statements(policies[fn].values["policy"])}
        for sid, s in statements.items():
            actions = as_list(s["Action"])
            assert not any(a.endswith(":*") for a in actions), f"{fn} {sid} grants a whole service"
            if "*" in as_list(s["Resource"]):
                assert sid == "XRayTraces", f"{fn} {sid} uses Resource * (only X-Ray needs it)"

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
            assert sorted(as_list(condition["ForAllValues:StringEquals"]["dynamodb:Attributes"])) == sorted(
                t["attributes"]
            )
            assert condition["StringEqualsIfExists"]["dynamodb:Select"] == "SPECIFIC_ATTRIBUTES"
        if "stream" in f:
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
    for address, statement in _statements(plan, "aws_sqs_queue_policy"):
        assert statement["Principal"] == {"Service": "sns.amazonaws.com"}, address
        assert as_list(statement["Action"]) == ["sqs:SendMessage"], address
        assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == deployed.outputs["topic_arn"], address


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
    functions = by_service(deployed.tf.show_json("digests.tfplan"), "aws_lambda_function")
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

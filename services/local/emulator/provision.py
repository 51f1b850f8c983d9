"""Provision the emulator from the topology declaration: the same resources, filter policies and
settings that Terraform creates, under local names.

Used by the local stack (against moto server) and by the tests (against moto's in-process mock).
`Stack.environment(function)` is each function's environment, as Terraform sets it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.environment import Resources, function_environment
from services.shared.topology import Function, Table, Topology, load_topology

CATALOG_FILE = Path(__file__).resolve().parents[2] / "order" / "catalog.json"
SENDER = "orders@orderflow.example"


@dataclass
class Stack:
    """Names and addresses of what was provisioned."""

    prefix: str
    topic_arn: str
    tables: dict[str, str] = field(default_factory=dict)
    stream_arns: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)
    dlq_urls: dict[str, str] = field(default_factory=dict)
    queue_arns: dict[str, str] = field(default_factory=dict)
    # Where messages wait for a person that are not a consumer's DLQ: the unroutable queue and
    # the relay's on-failure destination, by name.
    parked_urls: dict[str, str] = field(default_factory=dict)
    sender: str = SENDER

    def environment(self, function: Function) -> dict[str, str]:
        env = function_environment(function, Resources(self.tables, self.topic_arn, self.sender))
        env["AWS_LAMBDA_FUNCTION_NAME"] = f"{self.prefix}-{function.name}"
        return env


def filter_policy(function: Function) -> dict[str, Any]:
    assert function.consumes is not None
    return {"status": sorted(function.consumes.statuses)}


def unroutable_policy(topology: Topology) -> dict[str, Any]:
    """Whatever no consumer's filter takes: an unknown status, or none at all."""
    return {
        "$or": [
            {"status": [{"exists": False}]},
            {"status": [{"anything-but": sorted(topology.routed_statuses)}]},
        ]
    }


def _create_table(dynamodb: Any, name: str, table: Table) -> str | None:
    attributes = {table.hash_key: "S"}
    indexes = []
    for index in table.indexes:
        attributes[index.hash_key] = "S"
        attributes[index.range_key] = "N"
        indexes.append(
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.hash_key, "KeyType": "HASH"},
                    {"AttributeName": index.range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        )
    extra: dict[str, Any] = {}
    if indexes:
        extra["GlobalSecondaryIndexes"] = indexes
    if table.stream:
        extra["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": table.stream}
    described = dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in attributes.items()],
        KeySchema=[{"AttributeName": table.hash_key, "KeyType": "HASH"}],
        **extra,
    )["TableDescription"]
    if table.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )
    return described.get("LatestStreamArn")


def _queue(sqs: Any, name: str, attributes: dict[str, str] | None = None) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _subscribe(sns: Any, topic_arn: str, queue_arn: str, policy: dict[str, Any]) -> None:
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps(policy),
            "FilterPolicyScope": "MessageAttributes",
        },
    )


def provision(
    clients: dict[str, Any], *, prefix: str = "orderflow-local", topology: Topology | None = None
) -> Stack:
    """`clients` maps "dynamodb", "sns", "sqs", "ses" to boto3 clients."""
    topology = topology or load_topology()
    dynamodb, sns, sqs, ses = (clients[n] for n in ("dynamodb", "sns", "sqs", "ses"))

    stack = Stack(prefix=prefix, topic_arn="")
    for table in topology.tables:
        name = f"{prefix}-{table.name}"
        stream_arn = _create_table(dynamodb, name, table)
        stack.tables[table.name] = name
        if stream_arn:
            stack.stream_arns[table.name] = stream_arn

    seed_catalog(dynamodb, stack.tables["catalog"])
    stack.topic_arn = sns.create_topic(Name=f"{prefix}-{topology.topic}")["TopicArn"]
    ses.verify_email_identity(EmailAddress=stack.sender)

    for function in topology.consumers:
        assert function.consumes is not None
        dlq_url, dlq_arn = _queue(sqs, f"{prefix}-{function.name}-dlq")
        queue_url, queue_arn = _queue(
            sqs,
            f"{prefix}-{function.name}",
            {
                "VisibilityTimeout": str(function.visibility_timeout_seconds),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": function.consumes.max_receive_count}
                ),
            },
        )
        _subscribe(sns, stack.topic_arn, queue_arn, filter_policy(function))
        stack.queue_urls[function.name] = queue_url
        stack.queue_arns[function.name] = queue_arn
        stack.dlq_urls[function.name] = dlq_url

    unroutable_url, unroutable_arn = _queue(
        sqs,
        f"{prefix}-{topology.unroutable.queue}",
        {"MessageRetentionPeriod": str(topology.unroutable.retention_seconds)},
    )
    _subscribe(sns, stack.topic_arn, unroutable_arn, unroutable_policy(topology))
    stack.parked_urls[topology.unroutable.queue] = unroutable_url
    for function in topology.functions:
        if function.stream is not None:
            url, _ = _queue(sqs, f"{prefix}-{function.name}-failures")
            stack.parked_urls[f"{function.name}-failures"] = url
    return stack


def seed_catalog(dynamodb: Any, table: str, path: Path = CATALOG_FILE) -> int:
    products = json.loads(path.read_text())
    for product in products:
        dynamodb.put_item(
            TableName=table,
            Item={
                "sku": {"S": product["sku"]},
                "name": {"S": product["name"]},
                "unit_price": {"N": str(int(product["unit_price"]))},
                "active": {"BOOL": bool(product["active"])},
            },
        )
    return len(products)

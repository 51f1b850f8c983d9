"""Provision the emulator from the topology declaration: the same resources,
filter policies and settings that Terraform creates, under local names.

Used by the local stack (against moto server) and by the tests (against moto's
in-process mock). Returns each function's environment, as Terraform sets it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.shared.topology import Function, Topology, load_topology

CATALOG_FILE = Path(__file__).resolve().parents[2] / "order" / "catalog.json"
SENDER = "orders@orderflow.example"


@dataclass
class Stack:
    """Names and addresses of what was provisioned."""

    prefix: str
    topic_arn: str
    tables: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)
    dlq_urls: dict[str, str] = field(default_factory=dict)
    queue_arns: dict[str, str] = field(default_factory=dict)
    sender: str = SENDER

    def environment(self, function: Function) -> dict[str, str]:
        env = {spec.env_var: self.tables[spec.table] for spec in function.tables}
        if function.publishes:
            env["EVENTS_TOPIC_ARN"] = self.topic_arn
        if function.sends_email:
            env["EMAIL_SENDER"] = self.sender
        env["POWERTOOLS_SERVICE_NAME"] = function.name
        env["AWS_LAMBDA_FUNCTION_NAME"] = f"{self.prefix}-{function.name}"
        return env


def filter_policy(function: Function) -> dict[str, Any]:
    assert function.consumes is not None
    return {"status": sorted(function.consumes.statuses)}


def provision(
    clients: dict[str, Any], *, prefix: str = "orderflow-local", topology: Topology | None = None
) -> Stack:
    """`clients` maps "dynamodb", "sns", "sqs", "ses" to boto3 clients."""
    topology = topology or load_topology()
    dynamodb, sns, sqs, ses = (clients[n] for n in ("dynamodb", "sns", "sqs", "ses"))

    stack = Stack(prefix=prefix, topic_arn="")
    for table in topology.tables:
        name = f"{prefix}-{table.name}"
        dynamodb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": table.hash_key, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": table.hash_key, "KeyType": "HASH"}],
        )
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        stack.tables[table.name] = name

    seed_catalog(dynamodb, stack.tables["catalog"])
    stack.topic_arn = sns.create_topic(Name=f"{prefix}-{topology.topic}")["TopicArn"]
    ses.verify_email_identity(EmailAddress=stack.sender)

    for function in topology.consumers:
        assert function.consumes is not None
        dlq_url = sqs.create_queue(QueueName=f"{prefix}-{function.name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        queue_url = sqs.create_queue(
            QueueName=f"{prefix}-{function.name}",
            Attributes={
                "VisibilityTimeout": str(function.visibility_timeout_seconds),
                "RedrivePolicy": json.dumps(
                    {
                        "deadLetterTargetArn": dlq_arn,
                        "maxReceiveCount": function.consumes.max_receive_count,
                    }
                ),
            },
        )["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(
            TopicArn=stack.topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={
                "RawMessageDelivery": "true",
                "FilterPolicy": json.dumps(filter_policy(function)),
                "FilterPolicyScope": "MessageAttributes",
            },
        )
        stack.queue_urls[function.name] = queue_url
        stack.queue_arns[function.name] = queue_arn
        stack.dlq_urls[function.name] = dlq_url
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

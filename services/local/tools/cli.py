"""`orders`: look into a running local stack.

orders list                 orders and their statuses
orders show ORDER_ID        one order's timeline
orders dlq [QUEUE]          messages in the dead-letter queues
orders redrive QUEUE        move a DLQ's messages back to its source queue
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from services.local.tools.client import NoStack, aws_client, load_state, request
from services.order.adapters import DynamoOrders


def _list(state: dict[str, Any], _: argparse.Namespace) -> None:
    orders = DynamoOrders(aws_client(state, "dynamodb"), state["tables"]["orders"]).list()
    for order in orders:
        print(
            f"{order['order_id']}  {order['status']:<18} "
            f"{order['currency']} {order['total'] / 100:>9.2f}  {order['created_at']}"
        )
    print(f"{len(orders)} orders")


def _show(state: dict[str, Any], args: argparse.Namespace) -> None:
    status, _, order = request("GET", f"{state['api_url']}/orders/{args.order_id}")
    if status != 200:
        raise SystemExit(f"{status}: {order}")
    print(json.dumps(order, indent=2))


def _messages(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Peek at a queue: received with a zero visibility timeout, so nothing is consumed."""
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(10):
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not batch or all(m["MessageId"] in seen for m in batch):
            break
        seen.update({m["MessageId"]: m for m in batch})
    return list(seen.values())


def _dlq(state: dict[str, Any], args: argparse.Namespace) -> None:
    sqs = aws_client(state, "sqs")
    for queue, url in state["dlq_urls"].items():
        if args.queue and queue != args.queue:
            continue
        messages = _messages(sqs, url)
        print(f"{queue}-dlq: {len(messages)} message(s)")
        for message in messages:
            body = json.loads(message["Body"]) if message["Body"].startswith("{") else {}
            print(f"  {message['MessageId']}  {body.get('status', '?')}  order {body.get('order_id', '?')}")


def _redrive(state: dict[str, Any], args: argparse.Namespace) -> None:
    sqs = aws_client(state, "sqs")
    source, dlq = state["queue_urls"][args.queue], state["dlq_urls"][args.queue]
    moved = 0
    while batch := sqs.receive_message(
        QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        for message in batch:
            sqs.send_message(
                QueueUrl=source,
                MessageBody=message["Body"],
                MessageAttributes=message.get("MessageAttributes", {}),
            )
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    print(f"moved {moved} message(s) from {args.queue}-dlq back to {args.queue}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="orders", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list").set_defaults(run=_list)
    show = commands.add_parser("show")
    show.add_argument("order_id")
    show.set_defaults(run=_show)
    dlq = commands.add_parser("dlq")
    dlq.add_argument("queue", nargs="?")
    dlq.set_defaults(run=_dlq)
    redrive = commands.add_parser("redrive")
    redrive.add_argument("queue")
    redrive.set_defaults(run=_redrive)
    args = parser.parse_args(argv)
    try:
        args.run(load_state(), args)
    except NoStack as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`orders`: look into a running local stack (`make run`). Any order id may be given in full,
in its short form (the 8 characters the console and emails show) or as any unique prefix.

orders list                    the newest orders and where each stands
orders show ORDER [--json]     one order's timeline, payment and any flag
orders stuck                   orders the sweeper flagged, with their DLQ messages
orders dlq [QUEUE]             messages waiting in the dead-letter queues
orders redrive QUEUE           move a consumer's DLQ messages back to its queue
orders logs ORDER [--follow]   every function's log lines for one order, in time order (--json: raw)
orders metrics                 the business metrics the functions emitted (from their logs)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from services.local.functions import logs
from services.local.settings import state_dir
from services.local.tools import metrics
from services.local.tools import orders as ops
from services.local.tools.client import NoStack, aws_client, load_state, request
from services.order.queries import Order
from services.shared.money import format_money
from services.shared.references import short_reference


class CliError(Exception):
    """One line for the person at the terminal; exit code 2."""


def _age(at: str) -> str:
    seconds = int(time.time() - datetime.fromisoformat(at).timestamp())
    return (
        f"{seconds}s" if seconds < 120 else f"{seconds // 60}m" if seconds < 7200 else f"{seconds // 3600}h"
    )


def _where(order: Order) -> str:
    payment = f", payment {order.payment.state.value}" if order.payment else ""
    flag = "  ⚑ needs attention" if order.attention else ""
    done = "  ✓" if order.complete else ""
    return f"{order.status}{payment}{done}{flag}"


def _list(state: dict[str, Any], _: argparse.Namespace) -> None:
    found = ops.orders(aws_client(state, "dynamodb"), state["tables"]["orders"])
    for order in found:
        total = format_money(order.quote.total, order.quote.currency)
        age = _age(order.created_at)
        print(f"{short_reference(order.order_id)}  {total:>14}  {age:>5} ago  {_where(order)}")
    print(f"{len(found)} order(s)")


def _show(state: dict[str, Any], args: argparse.Namespace) -> None:
    order_id = _resolve(state, args.order)
    status, _, view = request("GET", f"{state['api_url']}/orders/{order_id}", api_key=state["api_key"])
    if status != 200:
        raise CliError(f"GET /orders/{order_id} answered {status}: {view.get('message') if view else ''}")
    if args.json:
        print(json.dumps(view, indent=2))
        return
    money = view["currency"]
    print(f"order {view['order_id']}  ({short_reference(view['order_id'])})")
    print(f"  {view['status']}{'  complete' if view.get('complete') else ''}")
    placed = datetime.fromisoformat(view["created_at"])
    print(f"  total {format_money(view['total'], money)}  (placed {placed:%Y-%m-%d %H:%M:%S %Z})")
    for entry in view["timeline"]:
        at = datetime.fromisoformat(entry["at"])
        since = (at - placed).total_seconds()
        print(f"  {at:%H:%M:%S}.{at.microsecond // 1000:03d}  {entry['status']:<22} +{since:.2f}s")
    for key in ("invoice_number", "tracking_number", "carrier", "failure_reason"):
        if view.get(key):
            print(f"  {key.replace('_', ' ')}: {view[key]}")
    payment = view.get("payment")
    if payment:
        captured = format_money(payment["captured_amount"], payment["currency"])
        held = format_money(payment["amount"], payment["currency"])
        print(f"  payment: {payment['state']}, held {held}, captured {captured}")
        for key in ("authorization_reference", "capture_reference", "void_reference", "failure_reason"):
            if payment.get(key):
                print(f"    {key.replace('_', ' ')}: {payment[key]}")
    if view.get("attention"):
        print(f"  ⚑ needs attention since {view['attention']['at']}: {view['attention']['reason']}")


def _stuck(state: dict[str, Any], _: argparse.Namespace) -> None:
    dynamodb, sqs = aws_client(state, "dynamodb"), aws_client(state, "sqs")
    found = ops.flagged(dynamodb, state["tables"]["orders"])
    parked = [m for name, url in ops.parked_queues(state).items() for m in ops.peek(sqs, name, url)]
    for order in found:
        attention = order.attention
        since = attention.at if attention else order.created_at
        print(f"{short_reference(order.order_id)}  {order.status:<18} flagged {_age(since)} ago: ", end="")
        print(attention.reason if attention else "?")
        for message in (m for m in parked if m.order_id == order.order_id):
            print(f"    in {message.queue}: {message.status} ({message.message_id})")
    print(f"{len(found)} flagged order(s)")


def _dlq(state: dict[str, Any], args: argparse.Namespace) -> None:
    queues = ops.parked_queues(state)
    if args.queue and args.queue not in queues:
        raise CliError(f"no queue {args.queue!r}; there are: {', '.join(sorted(queues))}")
    sqs = aws_client(state, "sqs")
    for name, url in sorted(queues.items()):
        if args.queue and name != args.queue:
            continue
        messages = ops.peek(sqs, name, url)
        print(f"{name}: {len(messages)} message(s)")
        for message in messages:
            who = short_reference(message.order_id) if message.order_id else "?"
            print(f"  {message.message_id}  {message.status or '?'}  order {who}")


def _redrive(state: dict[str, Any], args: argparse.Namespace) -> None:
    sources, dlqs = state["queue_urls"], state["dlq_urls"]
    if args.queue not in dlqs:
        raise CliError(f"no consumer DLQ {args.queue!r}; redrive one of: {', '.join(sorted(dlqs))}")
    moved = ops.redrive(aws_client(state, "sqs"), dlqs[args.queue], sources[args.queue])
    print(f"moved {moved} message(s) from {args.queue}-dlq back to {args.queue}")


FOLLOW_INTERVAL_SECONDS = 0.5


def _log_filter(state: dict[str, Any], reference: str) -> tuple[str, Callable[[dict[str, Any]], bool]]:
    """The order's id, and which log lines are about it: its correlation id, or its order id."""
    order_id = _resolve(state, reference)
    correlation = ops.correlation_id(aws_client(state, "dynamodb"), state["tables"]["orders"], order_id)
    return (
        order_id,
        lambda r: (
            r.get("order_id") == order_id
            or (correlation is not None and r.get("correlation_id") == correlation)
        ),
    )


def _logs(state: dict[str, Any], args: argparse.Namespace) -> None:
    order_id, wanted = _log_filter(state, args.order)
    tails: dict[str, logs.Tail] = {}
    directory = Path(state["logs_dir"])

    def show() -> int:
        found = logs.lines_of(directory, tails, wanted)
        for line in found:
            print(json.dumps(line.record) if args.json else logs.render(line), flush=True)
        return len(found)

    if not show() and not args.follow:
        raise CliError(f"no log lines for order {short_reference(order_id)} in {directory}")
    try:
        while args.follow:
            time.sleep(FOLLOW_INTERVAL_SECONDS)
            show()
    except KeyboardInterrupt:
        pass


def _metrics(_state: dict[str, Any], _: argparse.Namespace) -> None:
    print("\n".join(metrics.report(state_dir() / "logs")))


def _resolve(state: dict[str, Any], reference: str) -> str:
    try:
        return ops.resolve(aws_client(state, "dynamodb"), state["tables"]["orders"], reference)
    except ops.Unknown as error:
        raise CliError(str(error)) from None


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="orders", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the newest orders").set_defaults(run=_list)
    show = commands.add_parser("show", help="one order's timeline")
    show.add_argument("order", help="order id, short id or unique prefix")
    show.add_argument("--json", action="store_true", help="the raw GET /orders/{id} answer")
    show.set_defaults(run=_show)
    commands.add_parser("stuck", help="orders flagged for attention").set_defaults(run=_stuck)
    dlq = commands.add_parser("dlq", help="messages in the dead-letter queues")
    dlq.add_argument("queue", nargs="?")
    dlq.set_defaults(run=_dlq)
    redrive = commands.add_parser("redrive", help="move a DLQ's messages back to its queue")
    redrive.add_argument("queue")
    redrive.set_defaults(run=_redrive)
    log = commands.add_parser("logs", help="one order's log lines from every function, in time order")
    log.add_argument("order", help="order id, short id or unique prefix")
    log.add_argument("--follow", "-f", action="store_true", help="keep printing new lines until Ctrl-C")
    log.add_argument("--json", action="store_true", help="the raw Powertools JSON lines")
    log.set_defaults(run=_logs)
    # Reads the logs only: works after the stack stopped too.
    commands.add_parser("metrics", help="business metrics, from the functions' logs").set_defaults(
        run=_metrics, offline=True
    )
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run({} if getattr(args, "offline", False) else load_state(), args)
        sys.stdout.flush()
    except (NoStack, CliError) as error:
        print(f"orders: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went (`orders logs X | head`): stop quietly, as a command killed by SIGPIPE
        # does. Python would flush stdout again at exit and fail on it, so point it at devnull.
        # https://docs.python.org/3/library/signal.html#note-on-sigpipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The fault profiles `make chaos` drives the local stack through: the faults production sees.

Each profile is reproducible from a seed: the same seed draws the same faults for the same calls,
the same mix of orders, and the same moments to kill a process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.local.emulator.faults import WRITES, Rule


@dataclass(frozen=True)
class Kill:
    """SIGKILL the process of `function` when it starts its `nth` invocation."""

    function: str
    nth: int


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    rules: tuple[Rule, ...] = ()
    env: dict[str, str] = field(default_factory=dict)  # for the simulated partners
    kills: tuple[Kill, ...] = ()
    duplicate_deliveries: bool = False
    # Orders whose fault is permanent, by payment token, and the DLQ their message must end in.
    # The sweeper nudges each of them once before it flags it: those nudges are expected.
    permanent: dict[str, str] = field(default_factory=dict)
    # Why a transient fault of this profile can outlast a message's every retry, if it can: its
    # dead letters are then expected, as long as the sweeper's nudge completes the order.
    exhausts_retries: str = ""
    # The sweeper is a net: it may nudge an order whose message ran out of retries (dead-
    # lettered), and `nudges` others, for `nudges_reason`. Any other nudge fails the profile: it
    # moved an order the relay or a consumer's retries had lost sight of.
    nudges: int = 0
    nudges_reason: str = ""


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "sns-outage",
            "SNS refuses every publish for 6 s while orders arrive",
            rules=(Rule("error", frozenset({"sns"}), frozenset({"Publish"}), start=1.0, end=7.0),),
        ),
        Profile(
            "sns-throttling",
            "30% of SNS publishes are throttled",
            rules=(Rule("throttle", frozenset({"sns"}), frozenset({"Publish"}), probability=0.3),),
        ),
        Profile(
            "dynamodb-throttling",
            "40% of DynamoDB writes are throttled",
            rules=(Rule("throttle", frozenset({"dynamodb"}), WRITES, probability=0.4),),
            nudges=10,
            nudges_reason="a throttled release of an idempotency claim leaves it in progress until "
            "the function's timeout, and a stage's two consumers (its step and the projection) can "
            "each spend their whole retry span: together longer than the 60 s deadline",
        ),
        Profile(
            "ses-errors",
            "half of SES sends fail (throttled or unavailable)",
            rules=(
                Rule("throttle", frozenset({"ses"}), frozenset({"SendEmail"}), probability=0.25),
                Rule("error", frozenset({"ses"}), frozenset({"SendEmail"}), probability=0.34),
            ),
        ),
        Profile(
            "provider-errors",
            "the payment provider and the carrier fail 30% of calls, before or after doing the work",
            env={
                "PAYMENT_SIMULATOR_FAILURE_RATE": "0.3",
                "CARRIER_SIMULATOR_FAILURE_RATE": "0.3",
            },
            exhausts_retries="each call fails 30% of the time, independently: a message can fail all "
            "5 of its attempts (0.3^5 per call), go to its DLQ and wait for the sweeper's nudge",
        ),
        Profile(
            "killed-process",
            "billing, shipment and the relay are killed (SIGKILL) in the middle of batches",
            kills=(Kill("billing", 2), Kill("shipment", 3), Kill("relay", 2)),
        ),
        Profile(
            "emulator-paused",
            "the emulator stops answering for 12 s, twice (the API times out and clients retry)",
            rules=(
                Rule("pause", functions_only=False, start=2.0, end=14.0),
                Rule("pause", functions_only=False, start=24.0, end=36.0),
            ),
        ),
        Profile(
            "duplicate-deliveries",
            "every SQS message is delivered twice",
            duplicate_deliveries=True,
        ),
        Profile(
            "permanent-provider-fault",
            "one order in ten has a card the provider always fails on: billing DLQ, then flagged",
            permanent={"tok_processingError": "billing"},
        ),
    )
}

# The fast variant in `make test`: the three that tell the most.
FAST = ("sns-outage", "killed-process", "emulator-paused")

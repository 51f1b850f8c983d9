"""The evaluator the plan tests trust: its condition operators must read as AWS reads them."""

from .iam_eval import Principal

TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/orderflow-dev-payment-provider"

# The billing function's grant on the provider table: only the token, and only by GetItem.
TOKEN_ONLY = {
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "dynamodb:GetItem",
            "Resource": TABLE,
            "Condition": {
                "Null": {"dynamodb:Attributes": "false"},
                "ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk", "token"]},
                "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
            },
        }
    ]
}


def test_reading_only_the_named_attributes_is_allowed():
    billing = Principal([TOKEN_ONLY])
    assert billing.allows("dynamodb:GetItem", TABLE, {"dynamodb:Attributes": ["token"]})
    assert billing.allows(
        "dynamodb:GetItem",
        TABLE,
        {"dynamodb:Attributes": ["pk", "token"], "dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
    )


def test_one_attribute_outside_the_set_is_denied():
    billing = Principal([TOKEN_ONLY])
    assert not billing.allows("dynamodb:GetItem", TABLE, {"dynamodb:Attributes": ["token", "card"]})


def test_a_request_naming_no_attributes_reads_the_whole_item_and_is_denied():
    # ForAllValues alone holds vacuously for an absent key; the Null condition closes that hole.
    billing = Principal([TOKEN_ONLY])
    assert not billing.allows("dynamodb:GetItem", TABLE, {})
    without_null = {"Statement": [dict(TOKEN_ONLY["Statement"][0])]}
    without_null["Statement"][0]["Condition"] = {
        k: v for k, v in TOKEN_ONLY["Statement"][0]["Condition"].items() if k != "Null"
    }
    assert Principal([without_null]).allows("dynamodb:GetItem", TABLE, {})


def test_select_all_attributes_is_denied():
    billing = Principal([TOKEN_ONLY])
    assert not billing.allows(
        "dynamodb:GetItem", TABLE, {"dynamodb:Attributes": ["token"], "dynamodb:Select": "ALL_ATTRIBUTES"}
    )


def test_for_any_value_needs_one_match():
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["team-*"]}},
            }
        ]
    }
    p = Principal([policy])
    assert p.allows("s3:GetObject", "arn:aws:s3:::b/k", {"aws:TagKeys": ["x", "team-a"]})
    assert not p.allows("s3:GetObject", "arn:aws:s3:::b/k", {"aws:TagKeys": ["x"]})
    assert not p.allows("s3:GetObject", "arn:aws:s3:::b/k", {})

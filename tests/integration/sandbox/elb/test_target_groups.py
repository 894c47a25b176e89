"""CreateTargetGroup repeated: the existing group for the same settings, else DuplicateTargetGroupName."""

from __future__ import annotations

import botocore.exceptions
import pytest


def _create(aws, sample, path="/health", tags=(("team", "shop"),)):
    vpc = aws.elbv2.describe_target_groups(TargetGroupArns=[sample.target_group_arn])["TargetGroups"][0][
        "VpcId"
    ]
    return aws.elbv2.create_target_group(
        Name="web-repeat",
        Protocol="HTTP",
        Port=8080,
        VpcId=vpc,
        TargetType="ip",
        HealthCheckPath=path,
        Tags=[{"Key": k, "Value": v} for k, v in tags],
    )["TargetGroups"][0]


def _named(aws):
    return [
        g for g in aws.elbv2.describe_target_groups()["TargetGroups"] if g["TargetGroupName"] == "web-repeat"
    ]


def test_the_same_request_again_returns_the_existing_group(aws, sample):
    first = _create(aws, sample)

    again = _create(aws, sample)

    assert again["TargetGroupArn"] == first["TargetGroupArn"]
    assert [g["TargetGroupArn"] for g in _named(aws)] == [first["TargetGroupArn"]]


def test_other_tags_alone_are_the_same_settings_and_leave_the_groups_tags(aws, sample):
    first = _create(aws, sample)

    again = _create(aws, sample, tags=(("team", "other"),))

    assert again["TargetGroupArn"] == first["TargetGroupArn"]
    tags = aws.elbv2.describe_tags(ResourceArns=[first["TargetGroupArn"]])["TagDescriptions"][0]["Tags"]
    assert tags == [{"Key": "team", "Value": "shop"}]


def test_other_settings_under_the_same_name_are_a_duplicate_name(aws, sample):
    _create(aws, sample)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _create(aws, sample, path="/other")

    assert raised.value.response["Error"]["Code"] == "DuplicateTargetGroupName"
    assert [g["HealthCheckPath"] for g in _named(aws)] == ["/health"]

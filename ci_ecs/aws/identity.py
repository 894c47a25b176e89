"""Who the credentials are: their account (sts:GetCallerIdentity) and the region their configuration names."""

from __future__ import annotations

import boto3

from ci_ecs.aws.clients import Aws, call


def account(aws: Aws) -> str:
    """The account of the credentials in use."""
    reply = call("reading the account of these credentials", aws.client("sts").get_caller_identity)
    return str(reply["Account"])


def default_region() -> str | None:
    """The region the AWS credential chain's configuration names (AWS_REGION, the profile), if any."""
    return boto3.Session().region_name


def caller_arn(aws: Aws) -> tuple[str, str]:
    """(account, ARN) of the credentials in use."""
    reply = call("reading who these credentials are", aws.client("sts").get_caller_identity)
    return str(reply["Account"]), str(reply["Arn"])

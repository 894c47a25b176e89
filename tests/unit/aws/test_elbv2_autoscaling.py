"""Target groups and scalable targets already gone are fine; other errors are not (botocore Stubber)."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from ci_ecs.aws import autoscaling, elbv2
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import CiEcsError

GROUP = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-sw-v1/0123456789abcdef"
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/demo"


def test_a_target_group_already_gone_is_deleted_and_not_found_but_other_errors_fail() -> None:
    aws = Aws("us-east-1")
    with Stubber(aws.client("elbv2")) as stubber:
        stubber.add_client_error("delete_target_group", "TargetGroupNotFound", "gone", http_status_code=400)
        stubber.add_client_error(
            "describe_target_groups", "TargetGroupNotFound", "gone", http_status_code=400
        )
        stubber.add_client_error("delete_target_group", "ResourceInUse", "in use", http_status_code=400)

        elbv2.delete_target_group(aws, GROUP)
        assert elbv2.find_target_group(aws, "web-sw-v1") is None
        with pytest.raises(CiEcsError, match="deleting target group web-sw-v1: ResourceInUse"):
            elbv2.delete_target_group(aws, GROUP)
        stubber.assert_no_pending_responses()


def test_deregistering_a_scalable_target_already_gone_is_fine_but_other_errors_fail() -> None:
    aws = Aws("us-east-1")
    with Stubber(aws.client("application-autoscaling")) as stubber:
        stubber.add_client_error(
            "deregister_scalable_target", "ObjectNotFoundException", "gone", http_status_code=400
        )
        stubber.add_client_error(
            "deregister_scalable_target", "ValidationException", "bad", http_status_code=400
        )

        autoscaling.deregister(aws, CLUSTER, "web-sw-v1")
        with pytest.raises(CiEcsError, match=r"deregistering service web-sw-v1 .*: ValidationException"):
            autoscaling.deregister(aws, CLUSTER, "web-sw-v1")
        stubber.assert_no_pending_responses()

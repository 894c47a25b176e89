"""What every technique checks first: the service's deployment controller, with the fix when it is wrong."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from ci_ecs.aws.clients import Aws
from ci_ecs.errors import PreconditionError
from ci_ecs.output import Console
from ci_ecs.settings import Settings
from ci_ecs.strategies.context import Context, Live, inspect_service


def _refusal(found: str, wanted: str) -> str:
    """The error inspect_service gives for a service with the `found` controller when a job needs `wanted`."""
    aws = Aws("us-east-1")
    service = {"serviceName": "web", "status": "ACTIVE", "deploymentController": {"type": found}}
    ctx = Context(Settings(cluster="demo", service="web"), None, aws, Console(), {})
    with Stubber(aws.client("ecs")) as stubber:
        stubber.add_response("describe_services", {"services": [service], "failures": []})
        with pytest.raises(PreconditionError) as caught:
            inspect_service(ctx, Live(), controller=wanted)
    return str(caught.value)


def test_codedeploy_on_an_ecs_controlled_service_names_the_code_deploy_controller_as_the_fix() -> None:
    message = _refusal("ECS", "CODE_DEPLOY")
    assert "uses the ECS deployment controller, this job needs CODE_DEPLOY" in message
    assert "give it the CODE_DEPLOY deployment controller" in message
    assert "EXTERNAL" not in message


def test_a_taskset_job_on_an_ecs_controlled_service_still_names_the_external_controller() -> None:
    assert "EXTERNAL deployment controller" in _refusal("ECS", "EXTERNAL")

"""ECS-native BLUE_GREEN, LINEAR and CANARY deployments of the sample services, to SUCCESSFUL, over HTTP."""

from __future__ import annotations

import botocore.exceptions
import pytest

from tests.integration.sandbox.ecs.native_helpers import STAGES, Native

# The production rule's (blue, green) weights, step by step, for the sample's configurations.
STEPS = {
    "BLUE_GREEN": [(100, 0), (0, 100)],
    "LINEAR": [(100, 0), (75, 25), (50, 50), (25, 75), (0, 100)],  # stepPercent 25
    "CANARY": [(100, 0), (90, 10), (0, 100)],  # canaryPercent 10
}


@pytest.fixture(params=["BLUE_GREEN", "LINEAR", "CANARY"])
def native(request, aws, sample) -> Native:
    found = next(n for n in sample.native if n.strategy == request.param)
    return Native(aws, found)


def _stable(native: Native, attempts: int = 1) -> bool:
    """Whether botocore's ServicesStable waiter accepts the service (checked once, no sleeping)."""
    waiter = native.ecs.get_waiter("services_stable")
    try:
        waiter.wait(
            cluster=native.aws.sample.cluster,
            services=[native.sample.service],
            WaiterConfig={"Delay": 1, "MaxAttempts": attempts},
        )
    except botocore.exceptions.WaiterError:
        return False
    return True


def test_the_seeded_services_finished_their_first_deployment_on_blue(native):
    service = native.service()
    first = native.describe(service["currentServiceDeployment"])
    assert (first["status"], first["sourceServiceRevisions"]) == ("SUCCESSFUL", [])
    assert first["deploymentConfiguration"]["strategy"] == native.sample.strategy
    assert service["runningCount"] == 2 and len(service["deployments"]) == 1
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"
    [balancer] = service["loadBalancers"]
    assert balancer["targetGroupArn"] == native.sample.blue_target_group_arn
    assert (
        balancer["advancedConfiguration"]["alternateTargetGroupArn"] == native.sample.green_target_group_arn
    )
    assert native.weights(native.sample.production_rule_arn) == (100, 0)
    health = native.aws.targets(native.sample.blue_target_group_arn)
    assert [h["State"] for h in health.values()] == ["healthy", "healthy"]


def test_a_deployment_walks_the_stages_in_order_shifting_weights_step_by_step(native):
    source = native.service()["taskDefinition"]
    arn = native.deploy("v2", bakeTimeInMinutes=1)
    target = native.service()["taskDefinition"]
    in_bake = native.follow(arn, target, source, lambda seen, found: seen.stage == "BAKE_TIME")
    # Both revisions run while they bake: the service is not stable (two deployments).
    service = native.service()
    assert service["runningCount"] == 4 and len(service["deployments"]) == 2
    assert not _stable(native)
    assert in_bake["alarms"]["status"] == "MONITORING"
    assert in_bake["deploymentCircuitBreaker"] == {"status": "MONITORING", "failureCount": 0, "threshold": 3}
    done = native.follow(arn, target, source)

    assert done["status"] == "SUCCESSFUL"
    stages = native.stages()
    assert stages == sorted(stages, key=STAGES.index)  # never back
    assert {"SCALE_UP", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"} <= set(stages)
    productions = [s.production for s in native.seen]
    assert [w for i, w in enumerate(productions) if i == 0 or productions[i - 1] != w] == STEPS[
        native.sample.strategy
    ]
    # Test traffic moves to green before any production traffic does.
    first_production = next(i for i, s in enumerate(native.seen) if s.production != (100, 0))
    assert all(s.test == (0, 100) for s in native.seen[first_production:])
    # Every production shift happened while the target's two tasks ran.
    assert all(s.target_running == 2 for s in native.seen if s.production != (100, 0))
    assert done["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    assert done["targetServiceRevision"]["runningTaskCount"] == 2
    [source_revision] = done["sourceServiceRevisions"]
    assert (source_revision["runningTaskCount"], source_revision["requestedTaskCount"]) == (0, 0)
    assert done["alarms"]["status"] == "MONITORING_COMPLETE"
    # CLEAN_UP: the old revision's tasks are gone; the new one is the service's, in green.
    assert all(t["lastStatus"] == "STOPPED" for t in native.tasks_of(source))
    service = native.service()
    [deployment] = service["deployments"]
    assert (deployment["taskDefinition"], deployment["rolloutState"]) == (target, "COMPLETED")
    assert service["loadBalancers"][0]["targetGroupArn"] == native.sample.green_target_group_arn
    assert service["runningCount"] == 2
    assert _stable(native)
    health = native.aws.targets(native.sample.green_target_group_arn)
    assert [h["State"] for h in health.values()] == ["healthy", "healthy"]


def test_the_target_groups_swap_roles_each_deployment(aws, sample):
    native = Native(aws, sample.native[0])
    blue, green = native.sample.blue_target_group_arn, native.sample.green_target_group_arn
    for tag, serving, alternate in (("v2", green, blue), ("v3", blue, green)):
        source = native.service()["taskDefinition"]
        arn = native.deploy(tag, bakeTimeInMinutes=0)
        target = native.service()["taskDefinition"]
        assert native.follow(arn, target, source)["status"] == "SUCCESSFUL"
        [balancer] = native.service()["loadBalancers"]
        assert (balancer["targetGroupArn"], balancer["advancedConfiguration"]["alternateTargetGroupArn"]) == (
            serving,
            alternate,
        )
        weights = native.weights(native.sample.production_rule_arn)
        assert weights == ((0, 100) if serving == green else (100, 0))
        assert native.aws.targets(alternate) == {} or all(
            h["State"] == "draining" for h in native.aws.targets(alternate).values()
        )
    revision = native.describe(native.service()["currentServiceDeployment"])["targetServiceRevision"]["arn"]
    [described] = native.ecs.describe_service_revisions(serviceRevisionArns=[revision])["serviceRevisions"]
    assert described["loadBalancers"][0]["targetGroupArn"] == blue
    assert described["containerImages"][0]["image"].endswith(":v3")
    assert described["containerImages"][0]["imageDigest"] == sample.images["v3"]


def test_service_deployments_are_listed_filtered_and_paged(aws, sample):
    native = Native(aws, sample.native[0])
    first = native.service()["currentServiceDeployment"]
    source = native.service()["taskDefinition"]
    second = native.deploy("v2", bakeTimeInMinutes=0)
    native.follow(second, native.service()["taskDefinition"], source)
    service = native.sample.service

    listed = aws.ecs.list_service_deployments(cluster=sample.cluster, service=service)["serviceDeployments"]
    assert [d["serviceDeploymentArn"] for d in listed] == [second, first]  # newest first
    assert {d["status"] for d in listed} == {"SUCCESSFUL"}
    assert listed[0]["targetServiceRevisionArn"].startswith(
        f"arn:aws:ecs:us-east-1:123456789012:service-revision/demo/{service}/"
    )
    assert second.startswith(f"arn:aws:ecs:us-east-1:123456789012:service-deployment/demo/{service}/")
    page = aws.ecs.list_service_deployments(cluster=sample.cluster, service=service, maxResults=1)
    assert [d["serviceDeploymentArn"] for d in page["serviceDeployments"]] == [second]
    rest = aws.ecs.list_service_deployments(
        cluster=sample.cluster, service=service, maxResults=1, nextToken=page["nextToken"]
    )
    assert [d["serviceDeploymentArn"] for d in rest["serviceDeployments"]] == [first]
    assert "nextToken" not in rest
    none = aws.ecs.list_service_deployments(
        cluster=sample.cluster, service=service, status=["ROLLBACK_SUCCESSFUL"]
    )
    assert none["serviceDeployments"] == []
    after = aws.ecs.list_service_deployments(
        cluster=sample.cluster, service=service, createdAt={"after": listed[1]["createdAt"]}
    )
    assert [d["serviceDeploymentArn"] for d in after["serviceDeployments"]] == [second]
    # A rolling service has no ECS-native service deployments in the sandbox.
    assert aws.ecs.list_service_deployments(cluster=sample.cluster, service="web")["serviceDeployments"] == []

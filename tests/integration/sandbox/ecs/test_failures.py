"""Failure injection by image tag and the deployment circuit breaker, observed over HTTP."""

from __future__ import annotations

from ci_ecs.sandbox.state import RUNTIME


def _watch_failure(aws, revision):
    """Poll until the deployment on `revision` is FAILED; returns (failed deployment, failedTasks seen)."""
    seen: list[int] = []

    def failed():
        for deployment in aws.service()["deployments"]:
            if deployment["taskDefinition"] == revision:
                seen.append(deployment["failedTasks"])
                if deployment["rolloutState"] == "FAILED":
                    return deployment
        return None

    return aws.wait_for(failed, f"the deployment of {revision} to fail"), seen


def _stopped(aws, revision):
    """The tasks of `revision`, once all of them have stopped."""

    def all_stopped():
        mine = [t for t in aws.tasks() if t["taskDefinitionArn"] == revision]
        return mine if mine and all(t["lastStatus"] == "STOPPED" for t in mine) else None

    return aws.wait_for(all_stopped, f"the tasks of {revision} to stop")


def _assert_rolled_back(aws, old, failed):
    """A rollback deployment on the last COMPLETED task definition runs, then completes."""
    service = aws.service()
    rollback = service["deployments"][0]
    if rollback["rolloutState"] == "IN_PROGRESS":
        assert rollback["rolloutStateReason"] == (
            f"ECS deployment circuit breaker: rolling back to deploymentId {old['id']}."
        )
    assert rollback["status"] == "PRIMARY" and rollback["taskDefinition"] == old["taskDefinition"]
    assert rollback["id"] not in (old["id"], failed["id"])
    assert service["taskDefinition"] == old["taskDefinition"]
    done = aws.wait_for(aws.settled, "the rollback to finish")
    [deployment] = done["deployments"]
    assert (deployment["id"], deployment["rolloutState"]) == (rollback["id"], "COMPLETED")
    assert done["taskDefinition"] == old["taskDefinition"]
    assert done["runningCount"] == 3
    assert {t["taskDefinitionArn"] for t in aws.live_tasks()} == {old["taskDefinition"]}
    messages = [e["message"] for e in done["events"]]
    assert f"(service web) (deployment {failed['id']}) deployment failed: tasks failed to start." in messages


def test_crash_image_trips_circuit_breaker_and_rolls_back(aws, sample):
    [old] = aws.service()["deployments"]
    revision = aws.register_revision(f"{sample.repository}:v2-crash")

    aws.update(taskDefinition=revision)
    failed, seen = _watch_failure(aws, revision)

    assert failed["status"] == "ACTIVE"  # the rollback took PRIMARY
    assert failed["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert failed["failedTasks"] >= 3  # threshold: 0.5 x 3 desired, clamped to at least 3
    assert seen == sorted(seen)
    crashed = [t for t in _stopped(aws, revision) if t["stopCode"] == "EssentialContainerExited"]
    assert len(crashed) >= 3
    for task in crashed:
        assert task["stoppedReason"] == "Essential container in task exited"
        assert task["containers"][0]["exitCode"] == 1
    _assert_rolled_back(aws, old, failed)


def test_unhealthy_image_by_digest_fails_health_checks_and_rolls_back(aws, sample):
    [old] = aws.service()["deployments"]
    revision = aws.register_revision(f"{sample.repository}@{sample.images['v2-unhealthy']}")

    aws.update(taskDefinition=revision)
    reasons = aws.wait_for(
        lambda: {h.get("Reason") for h in aws.targets().values() if h["State"] == "unhealthy"},
        "a target to turn unhealthy",
    )
    assert reasons == {"Target.ResponseCodeMismatch"}
    failed, _ = _watch_failure(aws, revision)

    assert failed["failedTasks"] >= 3
    stopped = [
        t for t in aws.tasks() if t["taskDefinitionArn"] == revision and t["desiredStatus"] == "STOPPED"
    ]
    assert stopped
    for task in stopped:
        assert (
            task["stoppedReason"]
            == f"Task failed ELB health checks in (target-group {sample.target_group_arn})"
        )
        assert task["stopCode"] == "ServiceSchedulerInitiated"
    _assert_rolled_back(aws, old, failed)


def test_without_circuit_breaker_a_failing_deployment_retries_and_stays_in_progress(aws, sample):
    [old] = aws.service()["deployments"]
    revision = aws.register_revision(f"{sample.repository}:v2-crash")
    aws.update(
        taskDefinition=revision,
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": False, "rollback": False}},
    )

    def failed_twice_the_threshold():
        primary = aws.service()["deployments"][0]
        return primary if primary["failedTasks"] >= 6 else None

    primary = aws.wait_for(failed_twice_the_threshold, "six failed tasks")
    assert (primary["taskDefinition"], primary["rolloutState"]) == (revision, "IN_PROGRESS")
    service = aws.service()
    assert service["taskDefinition"] == revision
    active = [d for d in service["deployments"] if d["id"] == old["id"]]
    assert active and active[0]["status"] == "ACTIVE" and active[0]["runningCount"] == 3


def test_slow_image_starts_later_but_completes(aws, sample):
    revision = aws.register_revision(f"{sample.repository}:v2-slow")
    started_at = RUNTIME.now

    aws.update(taskDefinition=revision)
    aws.wait_for(
        lambda: any(
            t["taskDefinitionArn"] == revision and t["lastStatus"] == "RUNNING" for t in aws.live_tasks()
        ),
        "a slow task to run",
    )
    # simulated time (ticks), not wall-clock: PENDING lasts slow_pending_ticks for a `-slow` image
    assert RUNTIME.now - started_at >= RUNTIME.config.slow_pending_ticks
    done = aws.wait_for(aws.settled, "the slow rollout to finish")
    assert done["deployments"][0]["rolloutState"] == "COMPLETED"
    assert {t["taskDefinitionArn"] for t in aws.live_tasks()} == {revision}

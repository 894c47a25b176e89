"""Which rolling services of `services:` go back, and to what: after a killed deploy, a partial rollback,
in a pipeline (the services' reads faked: their tags and live revisions)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from ci_ecs.aws.clients import Aws
from ci_ecs.model import ImageRef, Release
from ci_ecs.output import Console
from ci_ecs.settings import Settings
from ci_ecs.strategies.context import Context, Live
from ci_ecs.strategies.rolling.many import Member
from ci_ecs.strategies.rolling.rollout import Job
from ci_ecs.strategies.several import back
from ci_ecs.strategies.several.back import Back
from ci_ecs.strategies.state import Moved

TD = "arn:aws:ecs:us-east-1:123456789012:task-definition"


def _service(name: str, runs: str, revision_version: str, **tags: str) -> tuple[dict[str, Any], Live]:
    """A service whose tags record `tags` (ci-ecs:<key with - for _>), running revision `runs` of
    `revision_version` (its revision's ci-ecs tags)."""
    service = {
        "serviceName": name,
        "serviceArn": f"arn:service/{name}",
        "taskDefinition": f"{TD}/{runs}",
        "tags": [{"key": f"ci-ecs:{k.replace('_', '-')}", "value": v} for k, v in tags.items()],
    }
    revision = Live(
        service,
        {"taskDefinitionArn": f"{TD}/{runs}", "family": name, "containerDefinitions": []},
        [{"key": "ci-ecs:version", "value": revision_version}, {"key": "ci-ecs:commit", "value": "c" * 40}],
    )
    return service, revision


def _backs(
    monkeypatch: pytest.MonkeyPatch,
    services: list[tuple[dict[str, Any], Live]],
    pipeline: Release | None = None,
) -> tuple[list[Back], Context]:
    """The rolling services of a job, inspected as AWS would answer (no call made)."""
    out = io.StringIO()
    ctx = Context(Settings(cluster="demo", service=""), None, Aws("us-east-1"), Console(out=out, err=out), {})
    ctx.pipeline_release = pipeline
    revisions = {s["serviceName"]: live for s, live in services}

    def inspect(one: Context, live: Live, *, controller: str | None) -> str:
        found = revisions[live.service["serviceName"]]
        live.task_definition, live.task_definition_tags = found.task_definition, found.task_definition_tags
        return f"{live.service['serviceName']}: running"

    monkeypatch.setattr(back, "inspect_service", inspect)
    backs = []
    for service, _ in services:
        one = Context(
            Settings(cluster="demo", service=service["serviceName"]), None, ctx.aws, ctx.console, {}
        )
        one.pipeline_release = pipeline
        member = Member(one, Job(Moved("the previous version")))
        member.job.live.service = service
        backs.append(Back(one, "rolling update", False, member=member))
    return backs, ctx


def _job(b: Back) -> Job:
    assert b.member is not None
    return b.member.job


def test_after_a_killed_deploy_only_the_services_it_moved_go_back_to_what_they_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moved = _service("web", "web:2", "v2", version="v1", task_definition=f"{TD}/web:1", previous_version="v0")
    untouched = _service("worker", "worker:1", "v1", version="v1", task_definition=f"{TD}/worker:1")
    backs, ctx = _backs(monkeypatch, [moved, untouched])

    back.inspect_members(ctx, backs, None)

    web, worker = backs
    assert (_job(web).moved.version, _job(web).moved.task_definition) == ("v1", f"{TD}/web:1")
    assert _job(web).rolled_back_from == "v2"
    assert worker.left == "on v1, not on v2, the release a killed deploy left half-way"


def test_a_service_a_killed_deploy_never_reached_stays_once_the_others_are_rolled_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rolled_back = _service(
        "web", "web:1", "v1", version="v1", task_definition=f"{TD}/web:1", rolled_back_from="v2"
    )
    never_moved = _service(
        "worker",
        "worker:1",
        "v1",
        version="v1",
        task_definition=f"{TD}/worker:1",
        previous_version="v0",
        previous_task_definition=f"{TD}/worker:0",
    )
    backs, ctx = _backs(monkeypatch, [rolled_back, never_moved])

    back.inspect_members(ctx, backs, None)

    assert all(_job(b).unchanged and b.busy for b in backs)  # the worker does not go on to v0
    assert _job(backs[1]).moved.task_definition == f"{TD}/worker:1"


def test_in_a_pipeline_a_killed_deploy_s_revision_of_its_release_goes_back_another_release_is_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ours = _service("web", "web:2", "v2", version="v1", task_definition=f"{TD}/web:1")
    theirs = _service(
        "worker",
        "worker:3",
        "v3",
        version="v3",
        task_definition=f"{TD}/worker:3",
        previous_version="v1",
        previous_task_definition=f"{TD}/worker:1",
    )
    pipeline = Release(ImageRef("registry.example.com/shop", "v2"), "v2", commit="c" * 40)
    backs, ctx = _backs(monkeypatch, [ours, theirs], pipeline)

    back.inspect_members(ctx, backs, None)

    web, worker = backs
    assert _job(web).moved.task_definition == f"{TD}/web:1" and web.busy
    assert "this pipeline's version v2 is not live (v3 is)" in worker.left

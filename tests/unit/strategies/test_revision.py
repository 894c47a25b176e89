"""The revision every technique deploys: tagged with the release it ships."""

from __future__ import annotations

import io
import json
from pathlib import Path

from botocore.stub import Stubber

from ci_ecs.aws.clients import Aws
from ci_ecs.model import ImageRef, Release
from ci_ecs.output import Console
from ci_ecs.settings import Settings
from ci_ecs.strategies.context import Context, Live, inspect_service
from ci_ecs.strategies.revision import newest_if_same, tag_revision

FIXTURE = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "describe_task_definition.json").read_text()
)
LIVE_TAGS: list[dict[str, str]] = FIXTURE["tags"]
REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web"
SHA = "0f3c2a1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
RELEASE = Release(ImageRef(REPO, "v2"), "v2", SHA, "https://gitlab.example.com/shop/web/-/pipelines/4242")


def test_tag_revision_replaces_old_ci_ecs_tags_and_keeps_the_others() -> None:
    td = {"family": "web", "tags": LIVE_TAGS}
    tagged = tag_revision(td, RELEASE)
    assert tagged["tags"] == [
        {"key": "team", "value": "shop"},
        {"key": "aws:cloudformation:stack-name", "value": "shop-web"},
        {"key": "ci-ecs:version", "value": "v2"},
        {"key": "ci-ecs:commit", "value": SHA},
        {"key": "ci-ecs:pipeline", "value": "https://gitlab.example.com/shop/web/-/pipelines/4242"},
    ]
    assert td == {"family": "web", "tags": LIVE_TAGS}


def test_tag_revision_leaves_out_what_is_not_known_and_cleans_values() -> None:
    tagged = tag_revision({"family": "web"}, Release(ImageRef(REPO, "v2"), "v2", None, "https://x/runs?id=1"))
    assert tagged["tags"] == [
        {"key": "ci-ecs:version", "value": "v2"},
        {"key": "ci-ecs:pipeline", "value": "https://x/runs_id=1"},
    ]


def test_tag_revision_records_the_pipeline_id_for_a_later_rollback() -> None:
    release = Release(ImageRef(REPO, "v2"), "v2", SHA, "https://x/pipelines/4242", 4242)
    tagged = tag_revision({"family": "web"}, release)
    assert {"key": "ci-ecs:pipeline-id", "value": "4242"} in tagged["tags"]


ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:{}"
CONTAINERS = [{"name": "web", "image": f"{REPO}:v2", "essential": True}]
NEW = {
    "family": "web",
    "containerDefinitions": CONTAINERS,
    "tags": [{"key": "ci-ecs:version", "value": "v2"}],
}


def _inspected(newest: int, live: int, newest_version: str) -> Live:
    """A service on web:`live` inspected for a job that may register (the family's newest: web:`newest`,
    tagged `newest_version`), answering only the reads expected: the family, then (when it is not the
    newest) the live revision."""
    aws = Aws("eu-west-1")
    ctx = Context(Settings(cluster="demo", service="web"), RELEASE, aws, Console(out=io.StringIO()), {})
    service = {"serviceName": "web", "status": "ACTIVE", "taskDefinition": ARN.format(live)}
    found = Live(service=service)
    with Stubber(aws.client("ecs")) as stubber:
        for revision, ref in [(newest, "web")] + ([] if newest == live else [(live, ARN.format(live))]):
            td = {
                "family": "web",
                "taskDefinitionArn": ARN.format(revision),
                "containerDefinitions": CONTAINERS,
            }
            tags = [{"key": "ci-ecs:version", "value": newest_version if revision == newest else "v1"}]
            stubber.add_response(
                "describe_task_definition",
                {"taskDefinition": td, "tags": tags},
                expected_params={"taskDefinition": ref, "include": ["TAGS"]},
            )
        inspect_service(ctx, found, controller="ECS", newest=lambda _: True)
        stubber.assert_no_pending_responses()
    return found


def test_a_service_on_its_familys_newest_revision_is_read_once_and_that_answers_the_reuse_check() -> None:
    live = _inspected(newest=3, live=3, newest_version="v1")

    assert live.arn == ARN.format(3)
    assert newest_if_same(_no_calls(), NEW, live.newest) is None  # not this version: register a new one


def test_a_newer_revision_of_this_version_seen_by_the_inspection_is_reused_unread() -> None:
    live = _inspected(newest=4, live=3, newest_version="v2")

    assert live.arn == ARN.format(3)
    assert newest_if_same(_no_calls(), NEW, live.newest) == ARN.format(4)


def _no_calls() -> Context:
    """A context whose gateway answers no call (Stubber with nothing queued): a call would fail the test."""
    aws = Aws("eu-west-1")
    Stubber(aws.client("ecs")).activate()
    return Context(Settings(cluster="demo", service="web"), RELEASE, aws, Console(out=io.StringIO()), {})

"""The revision every technique deploys: tagged with the release it ships."""

from __future__ import annotations

import json
from pathlib import Path

from ci_ecs.model import ImageRef, Release
from ci_ecs.strategies.revision import tag_revision

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

"""A rendered template must run the release's image in the containers to update: else nothing new deploys."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef, Release
from ci_ecs.render import require_release_image

REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web"
DIGEST = "sha256:" + "ab" * 32
RELEASE = Release(ImageRef(REPO, "v2", DIGEST), "v2")
TEMPLATE = Path("td.yml.j2")


def _td(*images: tuple[str, str]) -> dict[str, object]:
    return {"family": "web", "containerDefinitions": [{"name": n, "image": i} for n, i in images]}


@pytest.mark.parametrize(
    ("images", "containers"),
    [
        ((("web", f"{REPO}@{DIGEST}"),), ()),  # {{ image }}: pinned by digest
        ((("web", f"{REPO}:v2"),), ()),  # {{ repository }}:{{ version }}
        ((("web", f"{REPO}:v2@{DIGEST}"), ("envoy", "public.ecr.aws/envoy:v1")), ()),
        ((("web", f"{REPO}@{DIGEST}"), ("migrate", f"{REPO}:v1")), ("web",)),  # only the named one counts
    ],
)
def test_containers_running_the_release_pass(
    images: tuple[tuple[str, str], ...], containers: tuple[str, ...]
) -> None:
    require_release_image(_td(*images), RELEASE, containers, TEMPLATE)


@pytest.mark.parametrize(
    ("images", "containers", "start"),
    [
        ((("web", f"{REPO}:v1"),), (), f"task_definition: container 'web' of td.yml.j2 runs {REPO}:v1, not"),
        ((("web", REPO),), (), f"task_definition: container 'web' of td.yml.j2 runs {REPO}, not"),
        ((("web", f"{REPO}@sha256:{'cd' * 32}"),), (), "task_definition: container 'web'"),
        ((("web", "nginx:1"),), (), f"task_definition: no container of td.yml.j2 runs an image from {REPO}"),
        ((("web", f"{REPO}:v2"),), ("worker",), "container: 'worker' is not in td.yml.j2 (containers: web)"),
        ((("web", f"{REPO}:v2"), ("worker", "nginx:1")), ("worker",), "task_definition: container 'worker'"),
    ],
)
def test_a_template_that_does_not_run_the_release_is_refused(
    images: tuple[tuple[str, str], ...], containers: tuple[str, ...], start: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        require_release_image(_td(*images), RELEASE, containers, TEMPLATE)
    assert str(caught.value).startswith(start)
    assert "\n" not in str(caught.value)

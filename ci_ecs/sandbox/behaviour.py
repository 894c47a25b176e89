"""Failure injection: a task's behaviour comes from the tag suffix of its containers' images."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ci_ecs.sandbox.state import Behaviour

SUFFIXES = ("-crash", "-unhealthy", "-slow", "-errors", "-latency")
_EXIT = re.compile(r".-exit(\d{1,3})$")


def of_tags(tags: Iterable[str]) -> Behaviour:
    """The behaviour named by any of these tags (`v2-crash` crashes, `v2-slow` starts slowly, …)."""
    found = list(tags)
    return Behaviour(
        slow=any(tag.endswith("-slow") for tag in found),
        crash=any(tag.endswith("-crash") for tag in found),
        unhealthy=any(tag.endswith("-unhealthy") for tag in found),
        errors=any(tag.endswith("-errors") for tag in found),
        latency=any(tag.endswith("-latency") for tag in found),
        exit_code=exit_code_of(found),
    )


def exit_code_of(tags: Iterable[str]) -> int | None:
    """The exit code a one-off task's command ends with, from a tag ending in `-exitN` (None: none does)."""
    codes = [int(m.group(1)) % 256 for m in map(_EXIT.search, tags) if m]
    return max(codes) if codes else None


def split_image(image: str) -> tuple[str | None, str | None]:
    """The tag and digest of `repo[:tag][@digest]` (either may be None)."""
    rest, _, digest = image.partition("@")
    slash, colon = rest.rfind("/"), rest.rfind(":")
    tag = rest[colon + 1 :] if colon > slash else None
    return tag or None, digest or None


def _ecr_images() -> list[tuple[str, Any]]:
    """(repository URI, moto Image) for every image in moto's ECR (accounts and regions loaded so far)."""
    from moto.ecr.models import ecr_backends

    found: list[tuple[str, Any]] = []
    for account in list(ecr_backends.values()):
        for backend in list(account.values()):
            for repository in list(backend.repositories.values()):
                found.extend((repository.uri, image) for image in list(repository.images))
    return found


def tags_for_digest(digest: str) -> list[str]:
    """Every tag moto's ECR holds for an image digest."""
    tags: list[str] = []
    for _, image in _ecr_images():
        if image.image_digest == digest:
            tags.extend(t for t in image.image_tags if t)
    return tags


def digest_of(image: str) -> str | None:
    """The digest a container image resolves to: its own `@digest`, or its ECR tag's current image."""
    tag, digest = split_image(image)
    if digest or not tag:
        return digest
    repository = image.rsplit(":", 1)[0]
    return next(
        (i.image_digest for uri, i in _ecr_images() if uri == repository and tag in i.image_tags), None
    )


def of_task_definition(task_definition: Any) -> Behaviour:
    """The worst behaviour over the essential containers of a moto TaskDefinition."""
    tags: list[str] = []
    for container in task_definition.container_definitions:
        if container.get("essential", True) is False:
            continue
        image = str(container.get("image") or "")
        tag, digest = split_image(image)
        own = ([tag] if tag else []) + (tags_for_digest(digest) if digest else [])
        tags.extend(own)
        # `-crash-<container>`: only the container of that name crashes (one image, several services)
        if any(t.endswith(f"-crash-{container.get('name')}") for t in own):
            tags.append("-crash")
    return of_tags(tags)


def health_checked(task_definition: Any) -> bool:
    """Whether an essential container of a moto TaskDefinition has a container health check."""
    essential = [c for c in task_definition.container_definitions if c.get("essential", True) is not False]
    return any(c.get("healthCheck") for c in essential)


def version_of(task_definition: Any) -> str:
    """The version a task serves: the tag of its first essential container's image (via ECR for a digest)."""
    for container in task_definition.container_definitions:
        if container.get("essential", True) is False:
            continue
        tag, digest = split_image(str(container.get("image") or ""))
        if tag:
            return tag
        if digest:
            return next(iter(tags_for_digest(digest)), digest)
    return ""

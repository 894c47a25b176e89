"""The sample's ECR repository `web`: one image per tag, each with its own manifest and digest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

REPOSITORY = "web"
TAGS = (
    "v1",
    "v2",
    "v3",
    "v2-crash",
    "v2-unhealthy",
    "v2-slow",
    "v2-errors",
    "v2-latency",
    "v3-crash",
    "v3-unhealthy",
    "v3-slow",
    "v3-errors",
    "v3-latency",
    "v2-exit3",
)


def manifest(tag: str) -> str:
    """A small valid Docker image manifest, distinct per tag (so each tag has its own digest)."""
    blob = hashlib.sha256(f"ci-ecs sandbox {tag}".encode()).hexdigest()
    layer = hashlib.sha256(f"ci-ecs sandbox layer {tag}".encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1024,
                "digest": f"sha256:{blob}",
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 2048,
                    "digest": f"sha256:{layer}",
                }
            ],
        }
    )


def push_images(ecr: Any) -> tuple[str, dict[str, str]]:
    """Create the repository and put every tag; returns its URI and each tag's digest."""
    uri = ecr.create_repository(repositoryName=REPOSITORY)["repository"]["repositoryUri"]
    digests = {}
    for tag in TAGS:
        image = ecr.put_image(repositoryName=REPOSITORY, imageManifest=manifest(tag), imageTag=tag)["image"]
        digests[tag] = image["imageId"]["imageDigest"]
    return str(uri), digests

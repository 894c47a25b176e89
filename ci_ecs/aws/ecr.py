"""ECR calls: find the digest of a tagged image; registry credentials for `docker login`."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from ci_ecs.aws.clients import Aws, call, call_unless
from ci_ecs.errors import AwsError, AwsPreconditionError, PreconditionError

if TYPE_CHECKING:
    from mypy_boto3_ecr.type_defs import ImageIdentifierTypeDef


def tag_digest(aws: Aws, registry_id: str, region: str, repository: str, tag: str) -> str | None:
    """The digest of `repository:tag`, or None when that tag is not in the repository."""
    return _digest(aws, registry_id, region, repository, {"imageTag": tag}, f"{repository}:{tag}")


def has_digest(aws: Aws, registry_id: str, region: str, repository: str, digest: str) -> bool:
    """Whether `repository@digest` is in the repository."""
    found = _digest(aws, registry_id, region, repository, {"imageDigest": digest}, f"{repository}@{digest}")
    return found is not None


def _digest(
    aws: Aws, registry_id: str, region: str, repository: str, image: ImageIdentifierTypeDef, shown: str
) -> str | None:
    ecr = aws.client("ecr", region)
    doing = f"looking up image {shown} in ECR"
    try:
        reply = call_unless(
            ("ImageNotFoundException",),
            doing,
            ecr.describe_images,
            registryId=registry_id,
            repositoryName=repository,
            imageIds=[image],
        )
    except AwsError as exc:
        if exc.code == "RepositoryNotFoundException":
            raise AwsPreconditionError(
                f"image: ECR repository '{repository}' not found in registry {registry_id}", exc.code
            ) from exc
        raise
    if reply is None:
        return None
    details = reply.get("imageDetails", [])
    return str(details[0]["imageDigest"]) if details else None


def image_digest(aws: Aws, registry_id: str, region: str, repository: str, tag: str) -> str:
    """The digest of `repository:tag`; PreconditionError when the tag or repository does not exist."""
    digest = tag_digest(aws, registry_id, region, repository, tag)
    if digest is None:
        raise PreconditionError(
            f"image: tag '{tag}' not found in ECR repository {repository} — build and push it first"
        )
    return digest


def login_password(aws: Aws, registry_id: str, region: str) -> tuple[str, str, str]:
    """(user, password, registry endpoint) for `docker login` to an ECR registry (valid 12 hours)."""
    ecr = aws.client("ecr", region)
    doing = f"getting a docker login token for ECR registry {registry_id} in {region}"
    reply = call(doing, ecr.get_authorization_token, registryIds=[registry_id])
    data = reply.get("authorizationData", [])
    if not data:
        raise PreconditionError(f"{doing}: ECR returned no authorization data")
    user, _, password = base64.b64decode(data[0]["authorizationToken"]).decode().partition(":")
    return user, password, str(data[0]["proxyEndpoint"])

"""ECR calls: find the digest of a tagged image."""

from __future__ import annotations

from ci_ecs.aws.clients import Aws, call
from ci_ecs.errors import PreconditionError


def image_digest(aws: Aws, registry_id: str, region: str, repository: str, tag: str) -> str:
    """The digest of `repository:tag`; PreconditionError when the tag or repository does not exist."""
    ecr = aws.client("ecr", region)
    doing = f"looking up image {repository}:{tag} in ECR"
    try:
        reply = call(
            doing,
            ecr.describe_images,
            registryId=registry_id,
            repositoryName=repository,
            imageIds=[{"imageTag": tag}],
        )
    except PreconditionError as exc:
        if "ImageNotFound" in str(exc):
            raise PreconditionError(
                f"image: tag '{tag}' not found in ECR repository {repository} — build and push it first"
            ) from exc
        if "RepositoryNotFound" in str(exc):
            raise PreconditionError(
                f"image: ECR repository '{repository}' not found in registry {registry_id}"
            ) from exc
        raise
    details = reply.get("imageDetails", [])
    if not details:
        raise PreconditionError(f"image: tag '{tag}' not found in ECR repository {repository}")
    digest: str = details[0]["imageDigest"]
    return digest

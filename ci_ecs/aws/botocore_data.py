"""The AWS services ci-ecs makes clients for: the only botocore/boto3 models the image keeps.

The image is built with `python -m ci_ecs.aws.botocore_data DIR…`, which deletes the models of every other
service (28 MB of botocore's 30). tests/unit/aws/test_botocore_data.py finds every `client("…")` the package
makes and fails on a service missing here; tests/ci/test_image.py makes each of them inside the image.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SERVICES = (
    "application-autoscaling",
    "cloudwatch",
    "codedeploy",
    "dynamodb",
    "ecr",
    "ecs",
    "elbv2",
    "iam",
    "logs",
    "sts",  # also the web-identity (OIDC) credential provider's
)


def prune(data: Path, keep: tuple[str, ...] = SERVICES) -> list[str]:
    """Delete the service folders of `data` (botocore/data or boto3/data) not in `keep`, and return their
    names; its top-level files (endpoints.json, partitions.json, sdk-default-configuration.json…) stay."""
    deleted = sorted(p.name for p in data.iterdir() if p.is_dir() and p.name not in keep)
    for name in deleted:
        shutil.rmtree(data / name)
    return deleted


def main(folders: list[str]) -> None:
    for folder in folders:
        data = Path(folder)
        missing = [s for s in SERVICES if not (data / s).is_dir()]
        if data.parent.name == "botocore" and missing:  # boto3/data has resource models for a few only
            raise SystemExit(f"{data}: no model for {', '.join(missing)}")
        deleted = prune(data)
        print(f"{data}: {len(deleted)} services deleted; kept {', '.join(p.name for p in data.iterdir())}")


if __name__ == "__main__":
    main(sys.argv[1:])

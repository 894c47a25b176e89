"""botocore clients on the sandbox's HTTP endpoint, with the sample's credentials, in one of its regions."""

from __future__ import annotations

import functools
from typing import Any

from ci_ecs.sandbox.seed.sample import ACCESS_KEY, REGION


@functools.cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@functools.lru_cache(maxsize=32)
def client(endpoint: str, service: str, region: str = REGION) -> Any:
    """A botocore client on the sandbox in `region` (cached: creating one costs more than seeding with it)."""
    # botocore (which moto itself builds on), not boto3: only ci_ecs/aws is the AWS gateway.
    return _session().create_client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=ACCESS_KEY,
    )

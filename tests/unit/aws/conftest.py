"""The ECS Stubber most tests here answer from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from ci_ecs.aws.clients import Aws


@pytest.fixture
def stub() -> Iterator[tuple[Aws, Stubber]]:
    """A gateway in us-east-1 whose ECS client answers from a Stubber; every queued answer must be used."""
    aws = Aws("us-east-1")
    with Stubber(aws.client("ecs")) as stubber:
        yield aws, stubber
        stubber.assert_no_pending_responses()

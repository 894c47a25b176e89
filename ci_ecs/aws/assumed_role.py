"""A boto3 session acting as another IAM role (a service in another account), its credentials renewed."""

from __future__ import annotations

import boto3
import botocore.session
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    Credentials,
    DeferredRefreshableCredentials,
)

SESSION_NAME = "ci-ecs"  # CloudTrail names the deploy job's calls by it


class _AssumedRole(CredentialProvider):
    """A provider first in the chain that assumes `role_arn` with the job's own credentials."""

    METHOD = "ci-ecs-assume-role"

    def __init__(self, source: boto3.Session, role_arn: str) -> None:
        super().__init__()
        self._source = source
        self._role_arn = role_arn

    def load(self) -> Credentials:
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=self._source._session.create_client,  # the job's own credentials and region
            source_credentials=self._source.get_credentials(),
            role_arn=self._role_arn,
            extra_args={"RoleSessionName": SESSION_NAME},
        )
        # Deferred and refreshable: a job longer than the role's session (1 hour by default) renews them.
        return DeferredRefreshableCredentials(refresh_using=fetcher.fetch_credentials, method=self.METHOD)


def session_as(role_arn: str, region: str | None) -> boto3.Session:
    """A session whose calls are made as `role_arn`, assumed from the job's own credentials."""
    source = boto3.Session(region_name=region)
    core = botocore.session.get_session()
    core.get_component("credential_provider").insert_before("env", _AssumedRole(source, role_arn))
    return boto3.Session(botocore_session=core, region_name=region)

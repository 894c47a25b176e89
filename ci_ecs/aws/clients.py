"""The AWS gateway: lazily made boto3 clients, API call counting, and error translation."""

from __future__ import annotations

import re
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, overload

import boto3
import botocore.config
import botocore.exceptions

from ci_ecs.aws import idempotency
from ci_ecs.aws.assumed_role import session_as
from ci_ecs.errors import AwsError, AwsPreconditionError, CiEcsError, ConfigError, PreconditionError

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.model import OperationModel
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_codedeploy import CodeDeployClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ecr import ECRClient
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_sts import STSClient

_TAG = re.compile(r"<[^<>]*>")  # an HTML tag, in a body that is a proxy's error page
NO_REGION = (
    "region: no AWS region configured — set `region:` in ci-ecs.yml, CI_ECS_REGION, --region or AWS_REGION"
)
P = ParamSpec("P")
T = TypeVar("T")

# Errors that mean "AWS is not as required" (exit 3) rather than "the deployment failed".
_PRECONDITION_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "ClusterNotFoundException",
    "ServiceNotFoundException",
    "ServiceNotActiveException",
    "RepositoryNotFoundException",
    "ImageNotFoundException",
    "TargetGroupNotFound",
    "LoadBalancerNotFound",
    "ListenerNotFound",
    "RuleNotFound",
}


class Aws:
    """One region's clients (as `role_arn` if set), made on first use; counts every API call by operation."""

    def __init__(self, region: str | None = None, role_arn: str | None = None) -> None:
        self.region = region
        self.role_arn = role_arn
        self.calls: Counter[str] = Counter()
        self._counting = threading.Lock()  # the job's lock is refreshed from a thread of its own
        self._session: boto3.Session | None = None
        self._clients: dict[str, BaseClient] = {}
        self.nonce = secrets.token_hex(8)  # this job's part of every client token (idempotency.py)

    def elsewhere(self, region: str | None, role_arn: str | None) -> Aws:
        """The gateway for a service in another region or account; this one when both are the same.

        It counts its calls with this one's, so a job's API calls add up wherever they went.
        """
        if (region or self.region, role_arn) == (self.region, self.role_arn):
            return self
        other = Aws(region or self.region, role_arn)
        other.calls, other._counting, other.nonce = self.calls, self._counting, self.nonce
        return other

    @overload
    def client(
        self, service: Literal["application-autoscaling"], region: str | None = None
    ) -> ApplicationAutoScalingClient: ...
    @overload
    def client(self, service: Literal["cloudwatch"], region: str | None = None) -> CloudWatchClient: ...
    @overload
    def client(self, service: Literal["codedeploy"], region: str | None = None) -> CodeDeployClient: ...
    @overload
    def client(self, service: Literal["dynamodb"], region: str | None = None) -> DynamoDBClient: ...
    @overload
    def client(self, service: Literal["ecr"], region: str | None = None) -> ECRClient: ...
    @overload
    def client(
        self, service: Literal["ecs"], region: str | None = None, *, retried: bool = True
    ) -> ECSClient: ...
    @overload
    def client(
        self, service: Literal["elbv2"], region: str | None = None
    ) -> ElasticLoadBalancingv2Client: ...
    @overload
    def client(self, service: Literal["iam"], region: str | None = None) -> IAMClient: ...
    @overload
    def client(self, service: Literal["logs"], region: str | None = None) -> CloudWatchLogsClient: ...
    @overload
    def client(self, service: Literal["sts"], region: str | None = None) -> STSClient: ...
    def client(self, service: str, region: str | None = None, *, retried: bool = True) -> BaseClient:
        """The boto3 client for `service` (ecs, elbv2, ecr, …), in `region` or the gateway's own.

        `retried=False`: one that makes each call once, for a create that retries by itself.
        """
        key = f"{service}@{region or ''}" + ("" if retried else " once")
        if key not in self._clients:
            if self._session is None:
                self._session = (
                    session_as(self.role_arn, self.region)
                    if self.role_arn
                    else boto3.Session(region_name=self.region)
                )
            config = botocore.config.Config(
                # throttling is retried with backoff
                retries={"mode": "standard", "max_attempts": 8 if retried else 0},
                connect_timeout=10,
                read_timeout=30,
                user_agent_extra="ci-ecs",
            )
            try:
                client = self._session.client(  # type: ignore[call-overload]
                    service, region_name=region or self.region, config=config
                )
            except botocore.exceptions.NoRegionError:
                raise ConfigError(NO_REGION) from None  # raised here, when the client is made, not by a call
            except botocore.exceptions.InvalidRegionError as exc:  # AWS_REGION, which settings do not check
                raise ConfigError(f"region: {exc} — set `region:` or AWS_REGION to a region") from None
            client.meta.events.register("before-parameter-build", self._count)
            idempotency.fill_tokens(client, self.nonce)
            self._clients[key] = client
        return self._clients[key]

    def _count(self, model: OperationModel, **_: Any) -> None:
        with self._counting:
            self.calls[f"{model.service_model.service_name}:{model.name}"] += 1


def call(doing: str, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Call an AWS operation; failures become CiEcsError saying what we were doing (AwsError: AWS refused)."""
    try:
        return fn(*args, **kwargs)
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        message = one_line(exc.response.get("Error", {}).get("Message", "") or str(exc))
        error_type = AwsPreconditionError if code in _PRECONDITION_CODES else AwsError
        raise error_type(f"{doing}: {code}: {message}", code) from exc
    except botocore.exceptions.NoCredentialsError as exc:
        raise PreconditionError(
            f"{doing}: no AWS credentials found — configure the credential chain "
            "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, OIDC web identity or an instance role)"
        ) from exc
    except botocore.exceptions.NoRegionError as exc:
        raise ConfigError(f"{doing}: {NO_REGION}") from exc
    except botocore.exceptions.EndpointConnectionError as exc:
        raise PreconditionError(f"{doing}: cannot reach AWS: {exc}") from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise CiEcsError(f"{doing}: {exc}") from exc


def one_line(message: str, limit: int = 300) -> str:
    """An error body as one line: a proxy's HTML page (a 5xx) becomes its text, whitespace collapsed."""
    html = message.lstrip().startswith("<")
    text = " ".join((_TAG.sub(" ", message) if html else message).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@contextmanager
def missing_is(message: str, codes: tuple[str, ...]) -> Iterator[None]:
    """Inside, an AWS answer with one of `codes` (not found) becomes PreconditionError(message): the message
    names the setting that points at what is missing."""
    try:
        yield
    except AwsError as exc:
        if exc.code in codes:
            raise PreconditionError(message) from exc
        raise


def call_unless(
    codes: tuple[str, ...], doing: str, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T | None:
    """Like `call`, but None when AWS answers with one of `codes` (an expected state, not a failure).

    For "delete/stop/create: already gone, already done or already there is fine".
    """
    try:
        return call(doing, fn, *args, **kwargs)
    except AwsError as exc:
        if exc.code in codes:
            return None
        raise

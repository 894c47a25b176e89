"""The ci-ecs:* tags: what every job leaves in AWS for the next one (the contract of docs/state.md)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ci_ecs.aws import ecs
from ci_ecs.aws.clients import Aws
from ci_ecs.model import UNCHANGED, Analysis, Command, DeploymentRecord, Release, Status, TechniqueName

# On the service (for switch: on each version's service). The core set every technique writes
# after a deploy and a rollback:
TECHNIQUE = "ci-ecs:technique"
VERSION = "ci-ecs:version"
TASK_DEFINITION = "ci-ecs:task-definition"
PREVIOUS_VERSION = "ci-ecs:previous-version"
PREVIOUS_TASK_DEFINITION = "ci-ecs:previous-task-definition"
DEPLOYED_AT = "ci-ecs:deployed-at"
COMMIT = "ci-ecs:commit"
PIPELINE = "ci-ecs:pipeline"
PIPELINE_ID = "ci-ecs:pipeline-id"
ROLLED_BACK_FROM = "ci-ecs:rolled-back-from"
CORE = (
    TECHNIQUE,
    VERSION,
    TASK_DEFINITION,
    PREVIOUS_VERSION,
    PREVIOUS_TASK_DEFINITION,
    DEPLOYED_AT,
    COMMIT,
    PIPELINE,
    PIPELINE_ID,
    ROLLED_BACK_FROM,
)
# A rollout that failed (rolling): which version, when.
FAILED_VERSION = "ci-ecs:failed-version"
FAILED_AT = "ci-ecs:failed-at"

# A canary beside the service (canary modes task, service, taskset).
CANARY_MODE = "ci-ecs:canary-mode"
CANARY_VERSION = "ci-ecs:canary-version"
CANARY_TASK_DEFINITION = "ci-ecs:canary-task-definition"
CANARY_STARTED_AT = "ci-ecs:canary-started-at"
CANARY_TASK_SET = "ci-ecs:canary-task-set"  # taskset mode: the canary's task set id
CANARY_PREVIOUS_WEIGHTS = "ci-ecs:canary-previous-weights"  # taskset mode: the rules' weights before it
CANARY = (
    CANARY_MODE,
    CANARY_VERSION,
    CANARY_TASK_DEFINITION,
    CANARY_STARTED_AT,
    CANARY_TASK_SET,
    CANARY_PREVIOUS_WEIGHTS,
)
CANARY_OF = "ci-ecs:canary-of"  # on a canary service: the service it is the canary of

# A CodeDeploy deployment ci-ecs started that is not recorded as live yet.
CODEDEPLOY_DEPLOYMENT = "ci-ecs:codedeploy-deployment"
CODEDEPLOY_VERSION = "ci-ecs:codedeploy-version"
CODEDEPLOY_TASK_DEFINITION = "ci-ecs:codedeploy-task-definition"
CODEDEPLOY_PENDING = (CODEDEPLOY_DEPLOYMENT, CODEDEPLOY_VERSION, CODEDEPLOY_TASK_DEFINITION)

# An ECS-native service deployment ci-ecs started that is not recorded as live yet (the version and
# revision are tagged before the update, the deployment's ARN once ECS has answered).
NATIVE_DEPLOYMENT = "ci-ecs:native-deployment"
NATIVE_VERSION = "ci-ecs:native-version"
NATIVE_TASK_DEFINITION = "ci-ecs:native-task-definition"
NATIVE_PENDING = (NATIVE_DEPLOYMENT, NATIVE_VERSION, NATIVE_TASK_DEFINITION)

# switch: a service and target group per version.
SWITCH = "ci-ecs:switch"  # the base service name, on every version's service and target group
SWITCH_PREPARING = "ci-ecs:switch-preparing"  # on the live service: the version being prepared
SWITCH_PREPARING_WAS = "ci-ecs:switch-preparing-was"  # on the live service: the preparing rules before
PREVIOUS_SERVICE = "ci-ecs:previous-service"
OBSOLETE = "ci-ecs:obsolete"  # on a retired version's service and target group
SAVED_DESIRED_COUNT = "ci-ecs:saved-desired-count"
SAVED_AUTOSCALING = "ci-ecs:saved-autoscaling-"  # + part number: the retired version's autoscaling
PREPARING_MARKS = (SWITCH_PREPARING, SWITCH_PREPARING_WAS)

# review environments: on each one's service, target group and listener rule.
REVIEW = "ci-ecs:review"  # the review environment's slug
REVIEW_OF = "ci-ecs:review-of"  # the service it was cloned from

# On task-definition revisions ci-ecs registers: VERSION, COMMIT, PIPELINE, PIPELINE_ID.
PREFIX = "ci-ecs:"


def task_set_id(version: str) -> str:
    """The externalId of the full-size task set ci-ecs makes for a version (EXTERNAL controller)."""
    return f"{PREFIX}{version}"


def now() -> str:
    """UTC now as the tags spell it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True)
class Recorded:
    """The release a service's tags record as live, and the one before it."""

    version: str = ""
    task_definition: str = ""
    previous_version: str = ""
    previous_task_definition: str = ""
    rolled_back_from: str = ""
    pipeline_id: int | None = None

    @classmethod
    def of(cls, service: Mapping[str, Any]) -> Recorded:
        """What the service's tags record."""
        tags = ecs.tags_of(service)
        pipeline = tags.get(PIPELINE_ID, "")
        return cls(
            version=tags.get(VERSION, ""),
            task_definition=tags.get(TASK_DEFINITION, ""),
            previous_version=tags.get(PREVIOUS_VERSION, ""),
            previous_task_definition=tags.get(PREVIOUS_TASK_DEFINITION, ""),
            rolled_back_from=tags.get(ROLLED_BACK_FROM, ""),
            pipeline_id=int(pipeline) if pipeline.isdigit() else None,
        )


@dataclass(frozen=True)
class Moved:
    """What a job moves the service to: a version and its revision, and the ones it replaces."""

    version: str
    task_definition: str = ""
    previous_version: str | None = None
    previous_task_definition: str = ""
    deployment: str = ""  # the ECS or CodeDeploy deployment that moves it, once started

    def at(self, task_definition: str) -> Moved:
        """The same, on that revision."""
        return dataclasses.replace(self, task_definition=task_definition)

    def replacing(self, previous: tuple[str | None, str]) -> Moved:
        """The same, replacing (version, task-definition ARN) `previous`."""
        return dataclasses.replace(self, previous_version=previous[0], previous_task_definition=previous[1])


@dataclass(frozen=True)
class Provenance:
    """Where the live version came from: the commit and the pipeline that built and deployed it."""

    commit: str = ""
    pipeline: str = ""
    pipeline_id: str = ""

    @classmethod
    def of_release(cls, release: Release) -> Provenance:
        """The provenance of the release a deploy job ships."""
        return cls(release.commit or "", release.pipeline_url or "", str(release.pipeline_id or ""))

    @classmethod
    def of_revision(cls, tags: Iterable[Mapping[str, str]]) -> Provenance:
        """The provenance ci-ecs tagged a task-definition revision with when it registered it."""
        found = {t.get("key", ""): t.get("value", "") for t in tags}
        return cls(found.get(COMMIT, ""), found.get(PIPELINE, ""), found.get(PIPELINE_ID, ""))


def previous_release(
    recorded: Recorded, version: str, running: Callable[[], tuple[str | None, str]]
) -> tuple[str | None, str]:
    """(version, task-definition ARN) that a deploy of `version` replaces — the one rule of every technique.

    A re-run of the live release keeps what it replaced. Else the recorded release is the previous one,
    not what the service runs now: a killed job may have left the service half-way to a revision that
    never went live. With nothing recorded, what runs now (`running`) is the previous one.
    """
    if recorded.version == version:
        return recorded.previous_version or None, recorded.previous_task_definition
    if recorded.task_definition:
        return recorded.version or None, recorded.task_definition
    return running()


def write_release(
    aws: Aws,
    service: Mapping[str, Any],
    technique: TechniqueName,
    moved: Moved,
    provenance: Provenance,
    *,
    rolled_back_from: str = "",
    extra: Mapping[str, str] | None = None,
    clear: Iterable[str] = (),
) -> str:
    """Write the core set after a deploy or a rollback; remove core keys that are empty and `clear`.

    `extra` are the technique's own tags (an empty value removes the key).
    """
    tags = {
        TECHNIQUE: technique,
        VERSION: moved.version,
        TASK_DEFINITION: moved.task_definition,
        PREVIOUS_VERSION: moved.previous_version or "",
        PREVIOUS_TASK_DEFINITION: moved.previous_task_definition,
        DEPLOYED_AT: now(),
        COMMIT: provenance.commit,
        PIPELINE: provenance.pipeline,
        PIPELINE_ID: provenance.pipeline_id,
        ROLLED_BACK_FROM: rolled_back_from,
        **(extra or {}),
        **dict.fromkeys(clear, ""),
    }
    arn, present = service["serviceArn"], ecs.tags_of(service)
    ecs.tag(aws, arn, {k: v for k, v in tags.items() if v})
    # A stale value would lie (a commit of an older deploy, a rollback marker after a new deploy).
    ecs.untag(aws, arn, [k for k, v in tags.items() if not v and k in present])
    return f"{VERSION}={moved.version}, previous {moved.previous_version or 'none'}"


def forget(aws: Aws, service: dict[str, Any], keys: Iterable[str]) -> None:
    """Remove those of `keys` that the service (as read) carries, from AWS and from our copy of it."""
    present, gone = ecs.tags_of(service), set(keys)
    ecs.untag(aws, service["serviceArn"], [k for k in present if k in gone])
    service["tags"] = [{"key": k, "value": v} for k, v in present.items() if k not in gone]


@dataclass(frozen=True)
class Canary:
    """A canary a service's tags record."""

    mode: str
    version: str
    task_definition: str


def canary_of(service: Mapping[str, Any]) -> Canary | None:
    """The canary the service's tags record, if any."""
    tags = ecs.tags_of(service)
    if CANARY_MODE not in tags:
        return None
    return Canary(tags[CANARY_MODE], tags.get(CANARY_VERSION, ""), tags.get(CANARY_TASK_DEFINITION, ""))


def canary_revision(service: Mapping[str, Any], version: str) -> str:
    """The canary's revision when the recorded canary is `version`, else '': what to promote or reuse."""
    found = canary_of(service)
    return found.task_definition if found is not None and found.version == version else ""


def canary_tags(canary: Canary) -> dict[str, str]:
    """The tags recording a canary, stamped now."""
    return {
        CANARY_MODE: canary.mode,
        CANARY_VERSION: canary.version,
        CANARY_TASK_DEFINITION: canary.task_definition,
        CANARY_STARTED_AT: now(),
    }


def revision_tags(version: str, provenance: Provenance) -> dict[str, str]:
    """The tags ci-ecs puts on a task-definition revision it registers (empty values left out)."""
    tags = {
        VERSION: version,
        COMMIT: provenance.commit,
        PIPELINE: provenance.pipeline,
        PIPELINE_ID: provenance.pipeline_id,
    }
    return {k: v for k, v in tags.items() if v}


@dataclass(frozen=True)
class Job:
    """Who runs a job, for its DeploymentRecord: the command, the technique, the service and cluster."""

    command: Command
    technique: TechniqueName
    service: str
    cluster: str
    analysis: tuple[Analysis, ...] = ()  # the canary analyses the job ran


def unchanged_if(unchanged: bool, record: DeploymentRecord) -> DeploymentRecord:
    """The record, marked as a job that found nothing to do (a rollback already done) when `unchanged`."""
    if not unchanged:
        return record
    return dataclasses.replace(record, details={**record.details, UNCHANGED: "true"})


def deployment_record(
    job: Job,
    moved: Moved,
    status: Status,
    reason: str | None,
    api_calls: Mapping[str, int],
    details: Mapping[str, str] | None = None,
) -> DeploymentRecord:
    """The record of a job for output, the forge and later jobs (details with empty values left out)."""
    return DeploymentRecord(
        command=job.command,
        technique=job.technique,
        service=job.service,
        cluster=job.cluster,
        version=moved.version,
        task_definition=moved.task_definition,
        previous_version=moved.previous_version or None,
        previous_task_definition=moved.previous_task_definition or None,
        status=status,
        reason=reason,
        details={k: v for k, v in (details or {}).items() if v},
        api_calls=dict(api_calls),
        analysis=job.analysis,
    )

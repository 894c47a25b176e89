"""Pure data: what to deploy (Release) and what happened (DeploymentRecord)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

# Docker's reference grammar (distribution/reference), without IPv6 hosts.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_REPOSITORY = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*")
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}")
_SHA256 = re.compile(r"sha256:[a-f0-9]{64}")


def image_problem(image: ImageRef) -> str | None:
    """What is wrong with an image reference by Docker's rules, or None."""
    if not image.repository:
        return "the repository is empty"
    if not _REPOSITORY.fullmatch(image.repository):
        if _REPOSITORY.fullmatch(image.repository.lower()):
            return "the repository path must be lowercase"
        return "not a valid repository (registry/path: lowercase letters, digits, . _ -, no spaces)"
    if image.tag is not None and not TAG.fullmatch(image.tag):
        return f"tag {image.tag!r} is not valid (letters, digits, _ . -, at most 128, not starting with . -)"
    if image.digest is not None and (
        not _DIGEST.fullmatch(image.digest)
        or (image.digest.startswith("sha256:") and not _SHA256.fullmatch(image.digest))
    ):
        return f"digest {image.digest!r} is not valid (sha256: and 64 lowercase hex digits)"
    return None


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference: `registry/path[:tag][@digest]`."""

    repository: str
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, ref: str) -> ImageRef:
        """Split into repository, tag and digest (the tag follows the last `:` of the last path part)."""
        rest, _, digest = ref.partition("@")
        slash = rest.rfind("/")
        colon = rest.rfind(":")
        if colon > slash:
            return cls(rest[:colon], rest[colon + 1 :] or None, digest or None)
        return cls(rest, None, digest or None)

    @property
    def registry(self) -> str:
        """The registry host, or `docker.io` for a bare Docker Hub name."""
        first, sep, _ = self.repository.partition("/")
        if sep and ("." in first or ":" in first or first == "localhost"):
            return first
        return "docker.io"

    @property
    def path(self) -> str:
        """The repository path inside its registry."""
        first, sep, rest = self.repository.partition("/")
        return rest if sep and self.registry == first else self.repository

    def __str__(self) -> str:
        text = self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


@dataclass(frozen=True)
class Release:
    """The version a job deploys: an image pinned as far as we can, and where it came from."""

    image: ImageRef
    version: str
    commit: str | None = None
    pipeline_url: str | None = None
    pipeline_id: int | None = None

    @property
    def reference(self) -> str:
        """The image reference to put in the task definition (by digest when known)."""
        if self.image.digest:
            return f"{self.image.repository}@{self.image.digest}"
        return str(self.image)


Command = Literal["deploy", "canary-deploy", "rollback", "stop"]
# How a job moved the service: a technique, or the canary mode that put a canary beside it.
TechniqueName = Literal[
    "rolling",
    "taskset",
    "codedeploy",
    "switch",
    "native",
    "canary-task",
    "canary-service",
    "canary-taskset",
    "review",
]
Status = Literal["in_progress", "success", "failed", "cancelled"]
UNCHANGED = "unchanged"  # a record detail, "true" when the job found nothing to do (a rollback already done)
# A check's, an interval's or an analysis's outcome: "no data" is never a pass.
Outcome = Literal["pass", "fail", "no data"]


@dataclass(frozen=True)
class Reading:
    """One check in one analysis interval: the canary's value, the baseline's, the limit and the outcome."""

    check: str  # "error rate", "p99 latency", a query's name, "alarm <name>"
    canary: float | None
    baseline: float | None
    limit: float | None
    unit: str  # "%", "s" or "" — how the values read
    outcome: Outcome
    why: str = ""  # what decided it, in words


@dataclass(frozen=True)
class Interval:
    """One analysis interval: its window (ISO 8601, UTC), the canary's requests in it, every reading."""

    number: int
    start: str
    end: str
    requests: int | None  # None: no load-balancer check measures requests
    readings: tuple[Reading, ...]
    outcome: Outcome


@dataclass(frozen=True)
class Analysis:
    """A canary's analysis at one traffic step: every interval, the verdict and why."""

    step: str  # what the canary had meanwhile: "10% of the traffic", "1 task beside 4"
    intervals: tuple[Interval, ...]
    verdict: Outcome
    reason: str


# "observed": not a step of ours but what the load balancer was seen doing (targets turning healthy, drains).
PhaseOutcome = Literal["done", "failed", "undone", "undo failed", "observed"]


@dataclass(frozen=True)
class Phase:
    """One step of a job in time: when it started (seconds after the job did), how long it took, its end."""

    name: str
    start: float
    seconds: float
    outcome: PhaseOutcome


@dataclass(frozen=True)
class Hint:
    """A setting that made this job slow: which, its value, the time it cost here, and what to change."""

    setting: str
    value: str
    seconds: float
    advice: str


# Where a service of `services:` ended its job. deploy, canary-deploy: on the job's version (deployed, a
# canary beside the previous one, kept after another service failed), or on its previous one (rolled
# back, not deployed). rollback: on the job's version, the one it goes back to (rolled back, already
# rolled back), or on its previous one (not rolled back); left alone: this job did not touch it.
ServiceState = Literal[
    "in progress",
    "deployed",
    "canary",
    "kept",
    "rolled back",
    "not deployed",
    "already rolled back",
    "not rolled back",
    "left alone",
]


@dataclass(frozen=True)
class ServiceOutcome:
    """One service of a `services:` job, as its own job's record would say it, and where it ended."""

    service: str
    cluster: str
    region: str
    version: str  # the job's version for it ("" when left alone)
    task_definition: str  # its revision of that version ("" until registered, or never)
    previous_version: str | None = None
    previous_task_definition: str | None = None
    state: ServiceState = "in progress"


@dataclass(frozen=True)
class DeploymentRecord:
    """What a job did, for output, tags and the forge."""

    command: Command
    technique: TechniqueName
    service: str
    cluster: str
    version: str
    task_definition: str
    previous_version: str | None = None
    previous_task_definition: str | None = None
    status: Status = "success"
    reason: str | None = None
    details: dict[str, str] = field(default_factory=dict)
    api_calls: dict[str, int] = field(default_factory=dict)
    analysis: tuple[Analysis, ...] = ()  # the canary analyses of this job, step by step
    timeline: tuple[Phase, ...] = ()  # every step the job ran (and undid), in order
    hints: tuple[Hint, ...] = ()  # the settings that cost this job the most time, biggest first
    services: tuple[ServiceOutcome, ...] = ()  # `services:`: each one, in the order of the job

    @property
    def unchanged(self) -> bool:
        """Whether the job found nothing to do: a rollback of a service that was already rolled back."""
        return self.details.get(UNCHANGED) == "true"

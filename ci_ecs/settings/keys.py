"""The configuration keys: each one's converter, meaning and default, and its variable and flag names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ci_ecs.forge import FORGES
from ci_ecs.settings import analysis, notify, review
from ci_ecs.settings import services as many
from ci_ecs.settings.names import alarm_names, codedeploy_name, ecs_name, region, table_name, url
from ci_ecs.settings.techniques import CANARY_MODES, NATIVE_TYPES, ON_CANCEL, STRATEGIES, WAIT_UNTIL
from ci_ecs.settings.values import (
    Converter,
    arn,
    arns,
    boolean,
    choice,
    container_names,
    duration,
    duration_or_zero,
    duration_up_to,
    image_reference,
    name_prefix,
    number,
    path,
    switch_routes,
)

# Flags the CLI spells otherwise than `--<key>`:
FLAG_NAMES = {
    "wait.timeout": "--timeout",
    "rolling.circuit_breaker": "--circuit-breaker",
    "canary.weight": "--weight",
    "canary.count": "--count",
    "lock.wait": "--wait-for-lock",
    "native.wait_until": "--wait-until",
    "analysis.promote": "--auto",
}


@dataclass(frozen=True)
class Key:
    """One configuration key: how its values are read, what it means, and its default as users see it."""

    convert: Converter[Any]
    meaning: str
    default: str = ""  # Markdown, as the reference shows it; "" for none
    required: bool = False  # by every command that works on a service
    required_with: tuple[str, str] | None = None  # (key, value): required when that key has that value
    replaced_by: str = ""  # a key that, when given, takes this one's place (then this one must be absent)
    # (key, values) pairs: given while one of those keys has another value, this key is an error ("" = unset)
    applies_with: tuple[tuple[str, tuple[str, ...]], ...] = ()


_TASKSET = ("canary.mode", "taskset")
_SWITCH = ("strategy", "switch")
_TO_CREATE = "; only needed to create the deployment group"
# Where a key applies: its technique (strategy) and canary mode.
_ROLLING = ("strategy", ("rolling",))
_CANARY_MODE = (_ROLLING,)
_TASKSET_MODE = (_ROLLING, ("canary.mode", ("taskset",)))
_TASK_MODES = (_ROLLING, ("canary.mode", ("task", "service")))
_CODEDEPLOY = (("strategy", ("codedeploy",)),)
_SWITCHING = (("strategy", ("switch",)),)
_CODEDEPLOY_WAIT = duration_up_to(2880 * 60, "CodeDeploy's limit of 2880 minutes")
_NATIVE = (("strategy", ("native",)),)
_SERVICES = "the service's"
_MINUTES = number(0, 1440, integer=True)

_ANALYSIS: dict[str, Key] = {
    "error_rate": Key(
        analysis.percent, "the most 5XX answers the canary's targets may give, in % of its requests"
    ),
    "error_rate_vs_baseline": Key(
        analysis.factor,
        "the canary's error rate at most this many times the stable version's over the same interval (a "
        "single request's difference never fails it)",
    ),
    "p99_latency": Key(analysis.latency, "the most the canary's p99 target response time may be"),
    "p99_latency_vs_baseline": Key(
        analysis.factor, "the canary's p99 response time at most this many times the stable version's"
    ),
    "queries": Key(analysis.metric_checks, "custom CloudWatch checks"),
    "alarms": Key(alarm_names, "CloudWatch alarms that must not be in ALARM while the canary runs"),
    "interval": Key(analysis.interval, "how long each measured interval is", "`1m`"),
    "count": Key(number(1, 1000, integer=True), "intervals measured at each traffic step", "`5`"),
    "failure_limit": Key(
        number(0, 1000, integer=True), "failed intervals tolerated; one more fails the canary", "`0`"
    ),
    "no_data_limit": Key(
        number(0, 1000, integer=True),
        "intervals without enough data tolerated (an interval with too few requests is never a pass); one "
        'more fails the canary with "not enough data"',
        "`1`",
    ),
    "min_requests": Key(
        number(0, 10**9, integer=True), "the canary requests an interval needs to be judged", "`50`"
    ),
    "delay": Key(
        duration_or_zero,
        "how long after an interval ends its metrics are read (CloudWatch takes a while to have them all)",
        "`1m`",
    ),
    "promote": Key(
        choice(analysis.PROMOTE),
        "`auto`: `canary-deploy` walks every step and, when each passes, deploys; `manual`: it stops at the "
        "last step for `deploy`",
        "`manual`",
    ),
}

KEYS: dict[str, Key] = {
    "region": Key(region, "the AWS region", "the AWS credential chain's"),
    "role_arn": Key(
        arn("role/"),
        "an IAM role the job assumes, from its own credentials, for its calls to the service — in "
        "`services:`, per service, for services in another account",
        "none: the job's own credentials",
    ),
    "cluster": Key(ecs_name, "the ECS cluster", required=True),
    "service": Key(ecs_name, "the ECS service", required=True),
    "image": Key(
        image_reference,
        "the image repository (`build` pushes to it); `deploy` deploys `<repository>:<the pipeline's git "
        "tag or commit sha>` unless a tag or digest is given",
    ),
    "container": Key(
        container_names,
        "the containers whose image is replaced (the flag is repeatable)",
        "every container whose image is from `image`'s repository",
    ),
    "task_definition": Key(
        path,
        "a Jinja2 template of the task definition",
        "copy the live revision and replace the image",
    ),
    "strategy": Key(
        choice(STRATEGIES),
        "how `deploy` rolls out (`rolling` with `canary.mode: taskset` rolls out by task sets)",
        "`rolling`",
    ),
    "rolling.circuit_breaker": Key(
        boolean,
        "the ECS deployment circuit breaker with rollback; when off, ci-ecs itself rolls back "
        "after as many failed tasks as ECS would allow",
        "`true`",
        applies_with=(("strategy", ("rolling", "switch")), ("canary.mode", ("", "task", "service"))),
    ),
    "wait.timeout": Key(duration, "give up, roll back and exit 1 after this long", "`15m`"),
    "wait.poll_first": Key(duration, "the first poll after the update", "`2s`"),
    "wait.poll_cap": Key(duration, "the longest interval between polls (they back off up to it)", "`15s`"),
    "canary.mode": Key(
        choice(CANARY_MODES),
        "how `canary-deploy` puts the new version beside the stable one",
        "no canary",
        applies_with=_CANARY_MODE,
    ),
    "canary.count": Key(
        number(1, 100, integer=True),
        "canary tasks (`task` and `service` modes)",
        "`1`",
        applies_with=_TASK_MODES,
    ),
    "canary.service": Key(
        ecs_name,
        "the canary service (`service` mode)",
        "`<service>-canary`",
        applies_with=(_ROLLING, ("canary.mode", ("service",))),
    ),
    "canary.scale": Key(
        number(1, 100),
        "the canary task set, in % of the service's desired count (`taskset` mode)",
        "`10`",
        applies_with=_TASKSET_MODE,
    ),
    "canary.weight": Key(
        number(0, 100, integer=True),
        "the % of the listener rules' traffic for the canary (`taskset` mode; `switch`: of the public "
        "rules', with an analysis; 0: none)",
        "`10`",
        replaced_by="canary.steps",
    ),
    "canary.steps": Key(
        analysis.steps,
        "the canary's share of the traffic, step by step (`taskset` mode, and `switch`: of the public "
        "rules'); the analysis judges each step",
        "one step: `canary.weight`",
    ),
    "canary.target_group": Key(
        arn("targetgroup/"),
        "the canary target group (`taskset` mode)",
        required_with=_TASKSET,
        applies_with=_TASKSET_MODE,
    ),
    "canary.listener_rules": Key(
        arns("listener-rule/|listener/"),
        "the listener rules (or listeners) whose weights move (`taskset` mode)",
        required_with=_TASKSET,
        applies_with=_TASKSET_MODE,
    ),
    "codedeploy.application": Key(
        codedeploy_name,
        "the CodeDeploy application (created if missing)",
        "`AppECS-<cluster>-<service>`",
        applies_with=_CODEDEPLOY,
    ),
    "codedeploy.deployment_group": Key(
        codedeploy_name,
        "the deployment group (created if missing)",
        "`DgpECS-<cluster>-<service>`",
        applies_with=_CODEDEPLOY,
    ),
    "codedeploy.config": Key(
        codedeploy_name,
        "the deployment config (canary and linear ones too)",
        "`CodeDeployDefault.ECSAllAtOnce`",
        applies_with=_CODEDEPLOY,
    ),
    "codedeploy.service_role": Key(
        arn("role/"), "the IAM role CodeDeploy acts as" + _TO_CREATE, applies_with=_CODEDEPLOY
    ),
    "codedeploy.target_groups": Key(
        arns("targetgroup/"), "the blue and the green target group" + _TO_CREATE, applies_with=_CODEDEPLOY
    ),
    "codedeploy.production_listener": Key(
        arn("listener/"), "the production listener" + _TO_CREATE, applies_with=_CODEDEPLOY
    ),
    "codedeploy.test_listener": Key(
        arn("listener/"),
        "the test listener (optional when creating the deployment group)",
        applies_with=_CODEDEPLOY,
    ),
    "codedeploy.termination_wait": Key(
        _CODEDEPLOY_WAIT,
        "how long the blue task set stays after the switch: the instant-rollback window",
        "`5m`",
        applies_with=_CODEDEPLOY,
    ),
    "codedeploy.ready_wait": Key(
        _CODEDEPLOY_WAIT,
        "how long a `canary-deploy` deployment waits for `deploy` before CodeDeploy stops it",
        "`1h`",
        applies_with=_CODEDEPLOY,
    ),
    "switch.public_rule": Key(
        arn("listener-rule/"),
        "the listener rule real users reach",
        required_with=_SWITCH,
        replaced_by="switch.routes",
        applies_with=_SWITCHING,
    ),
    "switch.preparing_rule": Key(
        arn("listener-rule/"),
        "the listener rule for verifying a prepared version",
        required_with=_SWITCH,
        replaced_by="switch.routes",
        applies_with=_SWITCHING,
    ),
    "switch.name_prefix": Key(
        name_prefix,
        "target groups are named `<prefix>-<version>`",
        "the service name",
        replaced_by="switch.routes",
        applies_with=_SWITCHING,
    ),
    "switch.routes": Key(
        switch_routes,
        "a service behind several load balancers: a public rule, a preparing rule and a target-group name "
        "prefix for each of its load balancers, in their order; switched on all of them together",
        "one route of `switch.public_rule`, `switch.preparing_rule` and `switch.name_prefix`",
        applies_with=_SWITCHING,
    ),
    "switch.min_healthy": Key(
        number(1, 1000, integer=True),
        "healthy targets the new version needs before the switch",
        "`1`",
        applies_with=_SWITCHING,
    ),
    "switch.overlap": Key(
        duration, "how long both versions serve the public rule", "`60s`", applies_with=_SWITCHING
    ),
    "native.type": Key(
        choice(NATIVE_TYPES),
        "ECS's own deployment: `blue-green` (all traffic at once after the test listener), `canary` "
        "(`canary_percent`, then the rest) or `linear` (`step_percent` at a time)",
        "the service's strategy (it must be one of these)",
        applies_with=_NATIVE,
    ),
    "native.bake_minutes": Key(
        _MINUTES,
        "minutes both revisions stay after all traffic moved, to roll back at once",
        _SERVICES,
        applies_with=_NATIVE,
    ),
    "native.canary_percent": Key(
        number(0.1, 100),
        "`canary`: the % of production traffic the canary gets",
        _SERVICES,
        applies_with=_NATIVE,
    ),
    "native.canary_bake_minutes": Key(
        _MINUTES, "`canary`: minutes at that share before the rest moves", _SERVICES, applies_with=_NATIVE
    ),
    "native.step_percent": Key(
        number(3, 100),
        "`linear`: the % of production traffic each step moves",
        _SERVICES,
        applies_with=_NATIVE,
    ),
    "native.step_bake_minutes": Key(
        _MINUTES, "`linear`: minutes between steps", _SERVICES, applies_with=_NATIVE
    ),
    "native.alarms": Key(
        alarm_names,
        "CloudWatch alarms that roll the deployment back when they go to ALARM (bake included)",
        _SERVICES,
        applies_with=_NATIVE,
    ),
    "native.configure": Key(
        boolean,
        "let ci-ecs set the `native` settings on the service when they differ from its own; when false, "
        "a difference is exit 3 naming it (the service is configured by infrastructure code)",
        "`false`",
        applies_with=_NATIVE,
    ),
    "native.pause_timeout": Key(
        duration_up_to(20160 * 60, "ECS's limit of 14 days for a pause"),
        "how long a `canary-deploy` deployment waits for `deploy` before ECS rolls it back",
        "`24h`",
        applies_with=_NATIVE,
    ),
    "native.wait_until": Key(
        choice(WAIT_UNTIL),
        "where `deploy` stops following: `traffic-shifted` (all production traffic on the new revision), "
        "`baked` (the bake ended) or `done` (SUCCESSFUL: the old revision's tasks are gone)",
        "`done`",
        applies_with=_NATIVE,
    ),
    **{f"analysis.{name}": key for name, key in _ANALYSIS.items()},  # for every technique's canary
    "lock.table": Key(
        table_name,
        "the DynamoDB table that holds each service's lock, so that two jobs never change one service at "
        "once (created on first use)",
        "`ci-ecs-locks`",
    ),
    "lock.wait": Key(
        duration,
        "how long a job waits for another job's lock on the same service before it gives up (exit 3)",
        "no wait: exit 3 at once",
    ),
    "services": Key(
        many.services,
        "several services deployed from one release, each by its own technique; each takes the top-level "
        "keys it does not set; replaces `service`",
        "none: the one `service`",
    ),
    "on_failure": Key(
        choice(many.ON_FAILURE),
        "with `services:`, when one service fails: `rollback-all` puts back every service this job moved, "
        "`keep` leaves those that succeeded on the new version",
        "`rollback-all`",
    ),
    "on_cancel": Key(
        choice(ON_CANCEL),
        "what a job its CI cancels does with what it started: `rollback` puts it back (traffic first) "
        "before the CI's grace period ends, `leave` leaves it for the next job",
        "`rollback`",
    ),
    "review.listener": Key(
        arn("listener/"),
        "makes the environment a review environment: `deploy` gives it a service `<service>-<slug>` cloned "
        "from `service`, a target group and a rule on this listener; `stop` removes them",
    ),
    "review.host": Key(review.host, "the review rule's host, `{slug}` replaced by the environment's slug"),
    "review.path": Key(review.path, "or the review rule's path pattern, `{slug}` replaced likewise"),
    "review.max": Key(
        number(1, 1000, integer=True),
        "how many review environments of the service may exist at once; `deploy` of one more exits 3",
        "`10`",
    ),
    "forge": Key(choice(FORGES), "where deployments are reported", "`auto`"),
    "url": Key(url, "the environment's address: `DEPLOY_URL` and the forge's link to the environment"),
    "diagnostics.log_lines": Key(
        number(0, 10000, integer=True),
        "on a failure, how many of the last lines of each failed container's log to show (0: none)",
        "`30`",
    ),
    "notify.slack_webhook": Key(notify.webhook, "a Slack incoming webhook that gets the job's notifications"),
    "notify.teams_webhook": Key(
        notify.webhook, "a Microsoft Teams Workflows webhook that gets them as an Adaptive Card"
    ),
    "notify.webhook": Key(
        notify.webhook, "any URL that gets them as JSON: the deployment record and `event`"
    ),
    "notify.events": Key(
        notify.events,
        "what is notified: `start` (just before the first change), `success` (a deploy or canary finished), "
        "`failure` (a job failed, or was cancelled after it changed something), `rollback` (a rollback "
        "finished)",
        "`success, failure, rollback`",
    ),
    "notify.timeout": Key(
        duration, "how long a webhook may take to answer before the job gives up on it", "`5s`"
    ),
}
# The groups of dotted keys (`wait`, `canary`, …), each a mapping in the file.
GROUPS = tuple(dict.fromkeys(key.partition(".")[0] for key in KEYS if "." in key))


def variable_name(key: str) -> str:
    """The environment variable that sets a dotted key: `wait.timeout` → `CI_ECS_WAIT_TIMEOUT`."""
    return "CI_ECS_" + key.replace(".", "_").upper()


def flag_name(key: str) -> str:
    """The command-line flag that sets a dotted key: `wait.poll_first` → `--wait-poll-first`."""
    return FLAG_NAMES.get(key) or "--" + key.replace(".", "-").replace("_", "-")

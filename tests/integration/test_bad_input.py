"""Bad input: exit 2 or 3, one line naming the field, and AWS exactly as it was.

Every case runs the real CLI on one of the sample's configs (one per technique), made bad in one way. The
sandbox is seeded once for the module and reseeded only after a case that changed it (which fails).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client

Edit = Callable[[str, sandboxes.Sample], str]

ROLLING, TASK, SERVICE, TASKSET = "ci-ecs.yml", "ci-ecs-task.yml", "ci-ecs-service.yml", "ci-ecs-taskset.yml"
CODEDEPLOY, SWITCH, ROUTES = "ci-ecs-codedeploy.yml", "ci-ecs-switch.yml", "ci-ecs-switch-routes.yml"
NO_REGION = ("AWS_REGION", "AWS_DEFAULT_REGION")
TEMPLATE = """family: web
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: "256"
memory: "512"
containerDefinitions:
  - name: web
    image: {{ image }}
    memory: {{ memory }}
    essential: true
"""
GOOD_TEMPLATE = TEMPLATE.replace("{{ memory }}", "512")


@dataclass(frozen=True)
class Case:
    """One bad input: what to run, how to spoil the config, and the exit code and word the error must have."""

    name: str
    code: int
    names: str  # a word the one line of error must contain (the key, the flag, the resource)
    command: tuple[str, ...] = ("deploy",)
    config: str = ROLLING
    edit: Edit | None = None
    files: Mapping[str, str] = field(default_factory=dict)  # more files beside the config (templates)
    env: Mapping[str, str] = field(default_factory=dict)
    unset: tuple[str, ...] = ()
    image: str | None = (
        ":v2"  # `--image` for deploy, canary-deploy, render: `:tag`, `@digest`, `name:tag`, a ref
    )
    before: tuple[str, ...] = ()  # global options, before the command


def sub(old: str, new: str) -> Edit:
    """Replace `old` by `new` in the config; both may name sample fields as `{s.field}`."""

    def edit(text: str, s: sandboxes.Sample) -> str:
        found, wanted = old.format(s=s), new.format(s=s)
        assert found in text, f"{found!r} is not in the config"
        return text.replace(found, wanted)

    return edit


def add(more: str) -> Edit:
    """Append lines to the config (they may name sample fields as `{s.field}`)."""
    return lambda text, s: text + more.format(s=s)


def gone(field_name: str) -> Edit:
    """Point the config at a resource like the sample's `field_name` that does not exist (another id)."""

    def edit(text: str, s: sandboxes.Sample) -> str:
        arn = str(getattr(s, field_name))
        assert arn in text, f"{arn} is not in the config"
        return text.replace(arn, arn[:-16] + "0123456789abcdef")

    return edit


def template(text: str) -> dict[str, str]:
    """A task-definition template beside the config."""
    return {"td.yml.j2": text}


USE_TEMPLATE = add("task_definition: td.yml.j2\n")
ENVIRONMENTS = "environments:\n  production:\n    cluster: demo\n"

CASES: list[Case] = [
    # The file itself.
    Case("unknown key", 2, "clustr", edit=add("clustr: demo\n")),
    Case(
        "unknown key in a group", 2, "wait.timout", edit=sub("  timeout: 120", "  timeout: 120\n  timout: 5")
    ),
    Case("wrong type", 2, "wait.timeout", edit=sub("timeout: 120", "timeout: [1]")),
    Case("group not a mapping", 2, "canary", edit=add("canary: task\n")),
    Case("missing cluster", 2, "cluster", edit=sub("cluster: demo", "")),
    Case("missing service", 2, "service", edit=sub("service: web\n", "")),
    Case("empty service", 2, "service", edit=sub("service: web", "service: ''")),
    Case("yaml syntax", 2, "ci-ecs.yml", edit=add("wait: [\n")),
    Case("duplicate key", 2, "cluster", edit=add("cluster: demo\n")),
    Case("a list, not a mapping", 2, "ci-ecs.yml", edit=lambda text, s: "- cluster: demo\n"),
    Case("config file missing", 2, "missing.yml", config="missing.yml"),
    Case("config is a directory", 2, "config", before=("--config", ".")),
    # Environments.
    Case(
        "unknown environment", 2, "environment", edit=add(ENVIRONMENTS), before=("--environment", "staging")
    ),
    Case(
        "unknown environment from CI",
        2,
        "CI_ENVIRONMENT_NAME",
        edit=add(ENVIRONMENTS),
        env={"CI_ENVIRONMENT_NAME": "review/x"},
    ),
    Case("environments not a mapping", 2, "environments", edit=add("environments: [production]\n")),
    Case(
        "environment not a mapping",
        2,
        "environments.production",
        edit=add("environments:\n  production: 1\n"),
    ),
    Case(
        "unknown key in an environment",
        2,
        "environments.production.clustr",
        edit=add("environments:\n  production:\n    clustr: demo\n"),
        before=("--environment", "production"),
    ),
    Case(
        "bad value in an environment not in effect",
        2,
        "wait.timeout",
        edit=add(ENVIRONMENTS + "  staging:\n    wait:\n      timeout: soon\n"),
        before=("--environment", "production"),
    ),
    # Values of the top-level keys.
    Case("cluster name", 2, "cluster", edit=sub("cluster: demo", "cluster: de mo")),
    Case("service name", 2, "service", edit=sub("service: web", "service: 'web/app'")),
    Case("region name", 2, "region", edit=sub("region: us-east-1", "region: mars")),
    Case("no region", 2, "region", edit=sub("region: us-east-1\n", ""), unset=NO_REGION),
    Case("wrong region", 3, "us-west-2", edit=sub("region: us-east-1", "region: us-west-2")),
    Case("unknown strategy", 2, "strategy", edit=add("strategy: bluegreen\n")),
    Case("url with a newline", 2, "url", edit=add('url: "https://web.example.com/\\nx"\n')),
    Case("url not http", 2, "url", edit=add("url: ftp://web.example.com\n")),
    Case("url without a scheme", 2, "url", edit=add("url: web.example.com\n")),
    Case("forge", 2, "forge", edit=add("forge: bitbucket\n")),
    Case("on_cancel", 2, "on_cancel", edit=add("on_cancel: ignore\n")),
    Case("lock table name", 2, "lock.table", edit=add("lock:\n  table: 'my locks'\n")),
    Case("image repository", 2, "image", edit=sub("image: ", "image: Web/"), image=None),
    Case("container name", 2, "container", edit=add("container: 'web app'\n")),
    Case("container not in task definition", 2, "container", edit=add("container: worker\n")),
    Case("container variable", 2, "container", env={"CI_ECS_CONTAINER": "worker"}),
    # Waits and durations.
    Case("timeout zero", 2, "wait.timeout", edit=sub("timeout: 120", "timeout: 0")),
    Case("timeout negative", 2, "wait.timeout", edit=sub("timeout: 120", "timeout: -5")),
    Case("poll cap", 2, "wait.poll_cap", edit=sub("poll_cap: 2", "poll_cap: fast")),
    Case("first poll after the cap", 2, "wait.poll_first", env={"CI_ECS_WAIT_POLL_FIRST": "10"}),
    Case("bad duration flag", 2, "--timeout", command=("deploy", "--timeout", "soon")),
    Case("zero duration flag", 2, "--timeout", command=("deploy", "--timeout", "0s")),
    Case("lock wait flag", 2, "--wait-for-lock", command=("deploy", "--wait-for-lock", "forever")),
    Case(
        "bad boolean variable",
        2,
        "CI_ECS_ROLLING_CIRCUIT_BREAKER",
        env={"CI_ECS_ROLLING_CIRCUIT_BREAKER": "maybe"},
    ),
    Case("bad number variable", 2, "CI_ECS_WAIT_TIMEOUT", env={"CI_ECS_WAIT_TIMEOUT": "1h30x"}),
    Case("empty flag", 2, "--cluster", command=("deploy", "--cluster", " ")),
    # Templates.
    Case(
        "template not found",
        2,
        "task_definition",
        edit=add("task_definition: missing.yml.j2\n"),
    ),
    Case(
        "template syntax error",
        2,
        "task_definition",
        edit=USE_TEMPLATE,
        files=template(GOOD_TEMPLATE.replace("{{ image }}", "{{ image }")),
    ),
    Case("undefined template variable", 2, "memory", edit=USE_TEMPLATE, files=template(TEMPLATE)),
    Case(
        "invalid for RegisterTaskDefinition",
        2,
        "containerDefinitions",
        edit=USE_TEMPLATE,
        files=template(TEMPLATE.replace("{{ memory }}", "lots")),
    ),
    Case(
        "unknown field in the template",
        2,
        "containerDefinitons",
        edit=USE_TEMPLATE,
        files=template(GOOD_TEMPLATE.replace("containerDefinitions", "containerDefinitons")),
    ),
    Case(
        "template that ignores the image",
        2,
        "task_definition",
        edit=USE_TEMPLATE,
        files=template(GOOD_TEMPLATE.replace("{{ image }}", "{{ repository }}:v1")),
    ),
    Case(
        "template without the image's repository",
        2,
        "task_definition",
        edit=USE_TEMPLATE,
        files=template(GOOD_TEMPLATE.replace("{{ image }}", "public.ecr.aws/nginx/nginx:1")),
    ),
    Case(
        "template without the configured container",
        2,
        "container",
        edit=add("task_definition: td.yml.j2\ncontainer: worker\n"),
        files=template(GOOD_TEMPLATE),
    ),
    Case(
        "template that renders a list",
        2,
        "task_definition",
        edit=USE_TEMPLATE,
        files=template("- family: web\n"),
    ),
    Case(
        "template variable unset",
        2,
        "WEB_SECRET_ARN",
        edit=USE_TEMPLATE,
        files=template(GOOD_TEMPLATE + "taskRoleArn: {{ must_env('WEB_SECRET_ARN') }}\n"),
    ),
    Case(
        "template includes a missing file",
        2,
        "task_definition",
        edit=USE_TEMPLATE,
        files=template(GOOD_TEMPLATE + "{% include 'parts.yml.j2' %}\n"),
    ),
    Case(
        "template renders bad YAML",
        2,
        "task_definition",
        edit=USE_TEMPLATE,
        files=template(GOOD_TEMPLATE + "cpu: [\n"),
    ),
    Case(
        "template with an empty family",
        2,
        "family",
        edit=USE_TEMPLATE,
        files=template(GOOD_TEMPLATE.replace("family: web", "family: ''")),
    ),
    Case(
        "template with a container twice",
        2,
        "name",
        edit=USE_TEMPLATE,
        files=template(GOOD_TEMPLATE + "  - {name: web, image: '{{ image }}', memory: 128}\n"),
    ),
    Case(
        "render of a template that ignores the image",
        2,
        "task_definition",
        command=("render",),
        edit=USE_TEMPLATE,
        files=template(GOOD_TEMPLATE.replace("{{ image }}", "{{ repository }}:v1")),
    ),
    # Images, tags and versions.
    Case("image tag not in ECR", 3, "image", image=":v9"),
    Case("latest tag", 2, "image", image=":latest"),
    Case("digest not in ECR", 3, "image", image="@sha256:" + "0" * 64),
    Case("rollback to a version never built", 3, "v9", command=("rollback", "--to", "v9"), image=None),
    Case("invalid tag", 2, "image", image=":-v2"),
    Case("no image tag outside CI", 2, "image", image=None),
    Case("ECR repository not found", 3, "repository", image="nope:v2"),
    Case("image from another repository", 2, "container", image="public.ecr.aws/nginx/nginx:1.27"),
    Case(
        "commit not pushed",
        3,
        "image",
        image=None,
        env={"CI": "true", "GITLAB_CI": "true", "CI_COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567"},
    ),
    Case(
        "git tag unfit for an image",
        2,
        "CI_COMMIT_TAG",
        image=None,
        env={"CI": "true", "GITLAB_CI": "true", "CI_COMMIT_SHA": "0" * 40, "CI_COMMIT_TAG": "release/1"},
    ),
    Case("rollback to an empty version", 2, "--to", command=("rollback", "--to", ""), image=None),
    Case("rollback to a version with a space", 2, "--to", command=("rollback", "--to", "v 1"), image=None),
    Case("rollback with nothing recorded", 3, "web", command=("rollback",), image=None),
    # AWS resources that do not exist, and credentials.
    Case("cluster not found", 3, "cluster", edit=sub("cluster: demo", "cluster: nope")),
    Case("service not found", 3, "service", edit=sub("service: web", "service: nope")),
    Case("no credentials", 3, "credentials", unset=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")),
    Case("status of a service not found", 3, "nope", command=("status", "--service", "nope"), image=None),
    Case(
        "status without a region",
        2,
        "region",
        command=("status",),
        image=None,
        edit=sub("region: us-east-1\n", ""),
        unset=NO_REGION,
    ),
    Case(
        "rollback of a cluster not found", 3, "cluster", command=("rollback", "--cluster", "nope"), image=None
    ),
    Case(
        "unlock of a cluster named as AWS never names one",
        2,
        "--cluster",
        command=("unlock", "--cluster", "de mo"),
    ),
    Case("build context not a directory", 2, "--context", command=("build", "--context", "missing")),
    Case(
        "build argument not KEY=VALUE",
        2,
        "--build-arg",
        command=("build", "--build-arg", "NOPE"),
        files={"Dockerfile": "FROM scratch\n"},
    ),
    Case("build without a Dockerfile", 2, "--file", command=("build",)),
    # Configs for the wrong deployment controller.
    Case("rolling deploy of a task-set service", 3, "EXTERNAL", edit=sub("service: web", "service: web-ext")),
    Case(
        "rolling deploy of a CodeDeploy service",
        3,
        "CODE_DEPLOY",
        edit=sub("service: web", "service: web-bg"),
    ),
    Case(
        "task canary on a task-set service",
        3,
        "EXTERNAL",
        command=("canary-deploy",),
        config=TASK,
        edit=sub("service: web", "service: web-ext"),
    ),
    Case(
        "taskset canary on a rolling service",
        3,
        "ECS",
        command=("canary-deploy",),
        config=TASKSET,
        edit=sub("service: web-ext", "service: web"),
    ),
    Case(
        "codedeploy on a rolling service",
        3,
        "ECS",
        config=CODEDEPLOY,
        edit=sub("service: web-bg", "service: web"),
    ),
    # Canaries: modes, counts, weights, and keys for another mode.
    Case("canary without a mode", 2, "canary.mode", command=("canary-deploy",)),
    Case(
        "canary mode",
        2,
        "canary.mode",
        command=("canary-deploy",),
        config=TASK,
        edit=sub("mode: task", "mode: blue"),
    ),
    Case(
        "canary count zero",
        2,
        "canary.count",
        command=("canary-deploy",),
        config=TASK,
        edit=sub("count: 1", "count: 0"),
    ),
    Case("canary count fraction", 2, "--count", command=("canary-deploy", "--count", "1.5"), config=TASK),
    Case("canary count too many", 2, "--count", command=("canary-deploy", "--count", "101"), config=SERVICE),
    Case("weight flag in task mode", 2, "--weight", command=("canary-deploy", "--weight", "50"), config=TASK),
    Case(
        "weight key in service mode",
        2,
        "canary.weight",
        command=("canary-deploy",),
        config=SERVICE,
        edit=sub("  mode: service", "  mode: service\n  weight: 50"),
    ),
    Case(
        "count flag in taskset mode", 2, "--count", command=("canary-deploy", "--count", "2"), config=TASKSET
    ),
    Case(
        "count variable in taskset mode",
        2,
        "CI_ECS_CANARY_COUNT",
        command=("canary-deploy",),
        config=TASKSET,
        env={"CI_ECS_CANARY_COUNT": "2"},
    ),
    Case(
        "canary service in task mode",
        2,
        "canary.service",
        command=("canary-deploy",),
        config=TASK,
        edit=sub("  mode: task", "  mode: task\n  service: web-canary"),
    ),
    Case(
        "canary service name",
        2,
        "canary.service",
        command=("canary-deploy",),
        config=SERVICE,
        edit=sub("  mode: service", "  mode: service\n  service: web canary"),
    ),
    Case("weight over 100", 2, "--weight", command=("canary-deploy", "--weight", "150"), config=TASKSET),
    Case("weight negative", 2, "--weight", command=("canary-deploy", "--weight", "-1"), config=TASKSET),
    Case(
        "scale zero",
        2,
        "canary.scale",
        command=("canary-deploy",),
        config=TASKSET,
        edit=sub("scale: 34", "scale: 0"),
    ),
    Case(
        "scale over 100",
        2,
        "canary.scale",
        command=("canary-deploy",),
        config=TASKSET,
        edit=sub("scale: 34", "scale: 150"),
    ),
    Case(
        "canary target group missing",
        2,
        "canary.target_group",
        command=("canary-deploy",),
        config=TASKSET,
        edit=sub("  target_group: {s.canary_target_group_arn}\n", ""),
    ),
    Case(
        "canary target group not an ARN",
        2,
        "canary.target_group",
        command=("canary-deploy",),
        config=TASKSET,
        edit=sub("{s.canary_target_group_arn}", "web-ext-canary"),
    ),
    Case(
        "canary target group not found",
        3,
        "canary.target_group",
        command=("canary-deploy",),
        config=TASKSET,
        edit=gone("canary_target_group_arn"),
    ),
    Case(
        "canary target group is the primary's",
        3,
        "canary.target_group",
        command=("canary-deploy",),
        config=TASKSET,
        edit=sub("target_group: {s.canary_target_group_arn}", "target_group: {s.primary_target_group_arn}"),
    ),
    Case(
        "listener rule not found",
        3,
        "canary.listener_rules",
        command=("canary-deploy",),
        config=TASKSET,
        edit=gone("listener_rule_arn"),
    ),
    Case(
        "listener rule of another service",
        3,
        "canary.listener_rules",
        command=("canary-deploy",),
        config=TASKSET,
        edit=sub("listener_rules: [{s.listener_rule_arn}]", "listener_rules: [{s.public_rule_arn}]"),
    ),
    Case(
        "listener rules not ARNs",
        2,
        "canary.listener_rules",
        command=("canary-deploy",),
        config=TASKSET,
        edit=sub("listener_rules: [{s.listener_rule_arn}]", "listener_rules: [1, 2]"),
    ),
    Case(
        "taskset deploy with a target group not found",
        3,
        "canary.target_group",
        config=TASKSET,
        edit=gone("canary_target_group_arn"),
    ),
    Case(
        "taskset rollback with a target group not found",
        3,
        "canary.target_group",
        command=("rollback",),
        image=None,
        config=TASKSET,
        edit=gone("canary_target_group_arn"),
    ),
    Case(
        "canary mode with codedeploy",
        2,
        "canary.mode",
        command=("canary-deploy",),
        config=CODEDEPLOY,
        edit=add("canary:\n  mode: task\n"),
    ),
    # CodeDeploy: the resources a new deployment group needs, its names and waits.
    Case(
        "codedeploy role missing",
        2,
        "codedeploy.service_role",
        config=CODEDEPLOY,
        edit=sub("  service_role: {s.codedeploy_role_arn}\n", ""),
    ),
    Case(
        "codedeploy role not found",
        3,
        "codedeploy.service_role",
        config=CODEDEPLOY,
        edit=sub("{s.codedeploy_role_arn}", "{s.codedeploy_role_arn}-typo"),
    ),
    Case(
        "codedeploy role not a role",
        2,
        "codedeploy.service_role",
        config=CODEDEPLOY,
        edit=sub("{s.codedeploy_role_arn}", "arn:aws:iam::123456789012:user/deployer"),
    ),
    Case(
        "codedeploy production listener not found",
        3,
        "codedeploy.production_listener",
        config=CODEDEPLOY,
        edit=gone("production_listener_arn"),
    ),
    Case(
        "codedeploy test listener not found",
        3,
        "codedeploy.test_listener",
        config=CODEDEPLOY,
        edit=gone("test_listener_arn"),
    ),
    Case(
        "codedeploy production listener not an ARN",
        2,
        "codedeploy.production_listener",
        config=CODEDEPLOY,
        edit=sub("production_listener: {s.production_listener_arn}", "production_listener: prod"),
    ),
    Case(
        "codedeploy target group not found",
        3,
        "codedeploy.target_groups",
        config=CODEDEPLOY,
        edit=gone("green_target_group_arn"),
    ),
    Case(
        "codedeploy one target group",
        2,
        "codedeploy.target_groups",
        config=CODEDEPLOY,
        edit=sub(", {s.green_target_group_arn}]", "]"),
    ),
    Case(
        "codedeploy config not found",
        3,
        "codedeploy.config",
        config=CODEDEPLOY,
        edit=sub("codedeploy:\n", "codedeploy:\n  config: CodeDeployDefault.ECSAllAtOnc\n"),
    ),
    Case(
        "codedeploy config of another platform",
        3,
        "codedeploy.config",
        command=("canary-deploy",),
        config=CODEDEPLOY,
        edit=sub("codedeploy:\n", "codedeploy:\n  config: CodeDeployDefault.OneAtATime\n"),
    ),
    Case(
        "codedeploy application name",
        2,
        "codedeploy.application",
        config=CODEDEPLOY,
        edit=sub("codedeploy:\n", "codedeploy:\n  application: my app\n"),
    ),
    Case(
        "codedeploy termination wait",
        2,
        "codedeploy.termination_wait",
        config=CODEDEPLOY,
        edit=sub("termination_wait: 2 ", "termination_wait: 3d "),
    ),
    Case(
        "codedeploy ready wait over two days",
        2,
        "codedeploy.ready_wait",
        config=CODEDEPLOY,
        edit=sub("ready_wait: 3600 ", "ready_wait: 49h "),
    ),
    Case(
        "codedeploy keys without the strategy",
        2,
        "codedeploy",
        config=CODEDEPLOY,
        edit=sub("strategy: codedeploy", "strategy: rolling"),
    ),
    Case(
        "circuit breaker with codedeploy",
        2,
        "--circuit-breaker",
        command=("deploy", "--no-circuit-breaker"),
        config=CODEDEPLOY,
    ),
    Case(
        "weight flag with codedeploy",
        2,
        "--weight",
        command=("canary-deploy", "--weight", "20"),
        config=CODEDEPLOY,
    ),
    # Switch: the base service, rules, names, counts and routes.
    Case("switch service typo", 3, "service", config=SWITCH, edit=sub("service: web-sw", "service: web-sx")),
    Case(
        "switch prepare with a service typo",
        3,
        "service",
        command=("canary-deploy",),
        config=SWITCH,
        edit=sub("service: web-sw", "service: web-sx"),
    ),
    Case(
        "switch public rule not found", 3, "switch.public_rule", config=SWITCH, edit=gone("public_rule_arn")
    ),
    Case(
        "switch preparing rule not found",
        3,
        "switch.preparing_rule",
        command=("canary-deploy",),
        config=SWITCH,
        edit=gone("preparing_rule_arn"),
    ),
    Case(
        "switch public rule missing",
        2,
        "switch.public_rule",
        config=SWITCH,
        edit=sub("  public_rule: {s.public_rule_arn}\n", ""),
    ),
    Case(
        "switch same rule twice",
        2,
        "switch.preparing_rule",
        config=SWITCH,
        edit=sub("preparing_rule: {s.preparing_rule_arn}", "preparing_rule: {s.public_rule_arn}"),
    ),
    Case(
        "switch rule of another service",
        3,
        "service",
        config=SWITCH,
        edit=sub("public_rule: {s.public_rule_arn}", "public_rule: {s.listener_rule_arn}"),
    ),
    Case(
        "switch name prefix",
        2,
        "switch.name_prefix",
        config=SWITCH,
        edit=sub("name_prefix: web-sw", "name_prefix: -web"),
    ),
    Case(
        "switch name prefix too long",
        2,
        "switch.name_prefix",
        config=SWITCH,
        edit=sub("name_prefix: web-sw", "name_prefix: " + "w" * 24),
    ),
    Case(
        "switch min healthy zero",
        2,
        "switch.min_healthy",
        config=SWITCH,
        edit=sub("min_healthy: 2", "min_healthy: 0"),
    ),
    Case("switch overlap", 2, "switch.overlap", config=SWITCH, edit=sub("overlap: 2 ", "overlap: never ")),
    Case(
        "switch keys without the strategy",
        2,
        "switch",
        config=SWITCH,
        edit=sub("strategy: switch", "strategy: rolling"),
    ),
    Case(
        "switch routes beside a public rule",
        2,
        "switch.public_rule",
        config=ROUTES,
        edit=sub("  routes:", "  public_rule: {s.public_rule_arn}\n  routes:"),
    ),
    Case(
        "switch route without a prefix",
        2,
        "switch.routes[1].name_prefix",
        config=ROUTES,
        edit=lambda text, s: text.replace(f"      name_prefix: {s.dual_routes[1][2]}\n", ""),
    ),
    Case(
        "switch routes too few",
        3,
        "switch.routes",
        config=ROUTES,
        edit=lambda text, s: (
            text.split("    - public_rule: " + s.dual_routes[1][0])[0] + "  min_healthy: 2\n"
        ),
    ),
    Case(
        "switch routes in the wrong order",
        3,
        "switch.routes",
        config=ROUTES,
        edit=lambda text, s: (
            text.replace(s.dual_routes[0][0], "FIRST")
            .replace(s.dual_routes[1][0], s.dual_routes[0][0])
            .replace("FIRST", s.dual_routes[1][0])
            .replace(s.dual_routes[0][1], "FIRST")
            .replace(s.dual_routes[1][1], s.dual_routes[0][1])
            .replace("FIRST", s.dual_routes[1][1])
        ),
    ),
    Case("count flag with switch", 2, "--count", command=("canary-deploy", "--count", "1"), config=SWITCH),
    Case(
        "circuit breaker with taskset",
        2,
        "rolling.circuit_breaker",
        config=TASKSET,
        env={"CI_ECS_ROLLING_CIRCUIT_BREAKER": "false"},
    ),
]


def _aws_state(sandbox: sandboxes.Sandbox) -> dict[str, Any]:
    """Everything a job could change, read straight from the sandbox."""
    ecs, elbv2 = client(sandbox, "ecs"), client(sandbox, "elbv2")
    services = {}
    for cluster in ecs.list_clusters()["clusterArns"]:
        arns = ecs.list_services(cluster=cluster)["serviceArns"]
        for start in range(0, len(arns), 10):
            found = ecs.describe_services(
                cluster=cluster, services=arns[start : start + 10], include=["TAGS"]
            )
            for svc in found["services"]:
                services[svc["serviceArn"]] = (
                    svc["status"],
                    svc.get("taskDefinition"),
                    svc["desiredCount"],
                    sorted((d["id"], d["taskDefinition"], d["status"]) for d in svc.get("deployments", [])),
                    sorted((t["id"], t["status"], t["scale"]["value"]) for t in svc.get("taskSets", [])),
                    sorted((t["key"], t["value"]) for t in svc.get("tags", [])),
                )
    groups = elbv2.describe_target_groups()["TargetGroups"]
    rules = {}
    for balancer in elbv2.describe_load_balancers()["LoadBalancers"]:
        for listener in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]:
            rules[listener["ListenerArn"]] = listener["DefaultActions"]
            for rule in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                rules[rule["RuleArn"]] = rule["Actions"]
    codedeploy = client(sandbox, "codedeploy")
    applications = codedeploy.list_applications()["applications"]
    scaling = client(sandbox, "application-autoscaling")
    return {
        "services": services,
        "task_definitions": ecs.list_task_definitions()["taskDefinitionArns"],
        "target_groups": {
            g["TargetGroupArn"]: sorted(
                d["Target"]["Id"]
                for d in elbv2.describe_target_health(TargetGroupArn=g["TargetGroupArn"])[
                    "TargetHealthDescriptions"
                ]
            )
            for g in groups
        },
        "rules": rules,
        "codedeploy": {
            app: {
                group: codedeploy.list_deployments(applicationName=app, deploymentGroupName=group)[
                    "deployments"
                ]
                for group in codedeploy.list_deployment_groups(applicationName=app)["deploymentGroups"]
            }
            for app in applications
        },
        "scalable": scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"],
        "policies": [
            p["PolicyName"]
            for p in scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
        ],
    }


_clean = {"sandbox": False}  # whether the last case left the seeded sample as it was


@pytest.fixture(scope="module", autouse=True)
def _reseed_first() -> Iterator[None]:
    _clean["sandbox"] = False  # other modules' tests may have run in this process since
    yield


@pytest.fixture
def sample(sandbox: sandboxes.Sandbox) -> sandboxes.Sample:
    """The seeded sample, reseeded only when the last case (or another module) changed it."""
    if not _clean["sandbox"] or sandbox.sample is None:
        sandbox.reset(seed=True)
    _clean["sandbox"] = False  # until this case has shown it changed nothing
    assert sandbox.sample is not None
    return sandbox.sample


def _image_args(case: Case, sample: sandboxes.Sample) -> tuple[str, ...]:
    if case.image is None or case.command[0] not in ("deploy", "canary-deploy", "render"):
        return ()
    if case.image.startswith((":", "@")):
        return ("--image", sample.repository + case.image)
    if "/" in case.image:
        return ("--image", case.image)
    return ("--image", sample.repository.rsplit("/", 1)[0] + "/" + case.image)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_exits_with_one_line_naming_the_field_and_changes_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, case: Case
) -> None:
    config = workdir / case.config
    if case.edit is not None:
        config.write_text(case.edit(config.read_text(), sample))
    for name, text in case.files.items():
        (workdir / name).write_text(text)
    before = _aws_state(sandbox)

    run = cli(
        *case.before,
        *(() if case.config == ROLLING else ("--config", case.config)),
        *case.command,
        *_image_args(case, sample),
        env=dict(case.env),
        unset=case.unset,
    )

    assert run.code == case.code, run.output
    errors = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, run.output
    assert case.names.lower() in errors[0].lower(), errors[0]
    assert "Traceback" not in run.output
    assert _aws_state(sandbox) == before
    _clean["sandbox"] = True


def test_there_are_a_hundred_bad_inputs_with_names_of_their_own() -> None:
    assert len(CASES) >= 100
    assert len({case.name for case in CASES}) == len(CASES)

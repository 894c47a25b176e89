"""`ci-ecs iam-policy` allows every AWS call each technique's jobs make in the sandbox, on what they touch."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from ci_ecs.aws.clients import Aws
from ci_ecs.iam_policy import NO_RESOURCE_LEVEL

Call = tuple[str, str, dict[str, Any]]  # IAM prefix, operation, request parameters

# technique → (config, jobs: command and image tag, variables)
JOBS: dict[str, tuple[str, list[tuple[str, str]], dict[str, str]]] = {
    "rolling": (
        "ci-ecs.yml",
        [("deploy", "v2"), ("deploy", "v3-crash"), ("rollback", ""), ("status", "")],
        {},
    ),
    **{
        mode: (
            f"ci-ecs-{mode}.yml",
            [
                ("canary-deploy", "v2"),
                ("status", ""),
                ("deploy", "v2"),
                ("canary-deploy", "v3"),
                ("rollback", ""),
            ],
            {},
        )
        for mode in ("task", "service", "taskset")
    },
    "services": (
        "ci-ecs-services.yml",
        [("deploy", "v2"), ("deploy", "v3-crash-worker"), ("status", "")],
        {},
    ),
    "codedeploy": (
        "ci-ecs-codedeploy.yml",
        [("canary-deploy", "v2"), ("status", ""), ("deploy", "v2"), ("rollback", "")],
        {"CI_ECS_CODEDEPLOY_TERMINATION_WAIT": "1m"},
    ),
    "switch": (
        "ci-ecs-switch.yml",
        [("canary-deploy", "v2"), ("status", ""), ("deploy", "v2"), ("rollback", "")],
        {"CI_ECS_SWITCH_OVERLAP": "0.1"},
    ),
    "native": (
        "ci-ecs-native-canary.yml",
        [
            ("canary-deploy", "v2"),
            ("status", ""),
            ("deploy", "v2"),
            ("canary-deploy", "v3"),
            ("rollback", ""),
        ],
        {},
    ),
}
# Actions the policy grants for paths these few jobs do not take (each named where the code takes it).
UNEXERCISED = {
    "dynamodb:GetItem",  # lock.py: `ci-ecs unlock` reads whose lock it breaks
    "dynamodb:UpdateItem",  # lock.py: a long job extends its lock
    "dynamodb:TagResource",  # lock.py: CreateTable tags the table it makes
    "ecs:ListTaskDefinitions",  # rollback --to; a revision registered but its reply lost
    "ecs:DescribeTasks",  # checks/: why new tasks stopped
    "ecs:ListTasks",
    "ecs:StopTask",
    "logs:GetLogEvents",  # checks/container_logs.py: a failed task's logs (only the rolling jobs crash one)
    "ecs:UntagResource",
    "ecs:DeleteService",  # switch: versions made obsolete by an earlier run
    "ecs:ListServiceDeployments",  # native: the reply of an update was lost
    "ecs:StopServiceDeployment",  # native: rollback of a deployment not paused
    "ecs:DescribeTaskSets",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:RemoveTags",
    "application-autoscaling:DeregisterScalableTarget",
    "codedeploy:CreateApplication",  # the sandbox's application may exist already
    "codedeploy:CreateDeploymentGroup",
    "codedeploy:RegisterApplicationRevision",  # CreateDeployment registers the AppSpec revision
    "codedeploy:TagResource",  # CreateApplication tags it
    "codedeploy:StopDeployment",
    "iam:PassRole",  # not a call: checked by ECS and CodeDeploy when roles are passed
}
_PREFIX = {"elbv2": "elasticloadbalancing"}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Call]]:
    """Every AWS call made in this process, as (IAM prefix, operation, parameters)."""
    seen: list[Call] = []
    counted = Aws._count

    def count(self: Aws, model: Any, **kwargs: Any) -> None:
        service = str(model.service_model.service_name)
        seen.extend(
            _authorized(_PREFIX.get(service, service), str(model.name), dict(kwargs.get("params") or {}))
        )
        counted(self, model, **kwargs)

    monkeypatch.setattr(Aws, "_count", count)
    yield seen


_TRANSACTED = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}


def _authorized(prefix: str, op: str, params: dict[str, Any]) -> list[Call]:
    """The calls IAM authorizes for a call: a DynamoDB transaction is authorized as each of its actions."""
    if (prefix, op) != ("dynamodb", "TransactWriteItems"):
        return [(prefix, op, params)]
    return [
        (prefix, _TRANSACTED[kind], {"TableName": action["TableName"]})
        for item in params["TransactItems"]
        for kind, action in item.items()
    ]


@pytest.mark.parametrize("technique", sorted(JOBS))
def test_the_policy_allows_every_call_of_the_jobs_on_the_resources_they_touch(
    cli: Any, sample: sandboxes.Sample, calls: list[Call], technique: str
) -> None:
    config, jobs, env = JOBS[technique]
    if technique == "native" and not getattr(sample, "native", ()):
        pytest.skip("the sandbox does not simulate ECS-native service deployments yet")
    for command, tag in jobs:
        image = ["--image", f"{sample.repository}:{tag}"] if tag else []
        run = cli("--config", config, command, *image, env=env)
        assert run.code == (1 if "-crash" in tag else 0), run.output
    made = list(calls)
    shown = cli("--config", config, "iam-policy", env=env)
    assert shown.code == 0, shown.output
    statements = json.loads(shown.stdout)["Statement"]

    called = {f"{prefix}:{op}" for prefix, op, _ in made}
    granted = {action for s in statements for action in s["Action"]}
    print(f"{technique}: {len(called)} actions called, {len(granted)} in the policy")
    assert called <= granted, f"not allowed: {sorted(called - granted)}"
    assert granted - called <= UNEXERCISED, (
        f"granted but never called: {sorted(granted - called - UNEXERCISED)}"
    )
    for prefix, op, params in made:
        for resource in _resources(prefix, op, params, sample):
            assert _allows(statements, f"{prefix}:{op}", resource), f"{prefix}:{op} on {resource}"
    for s in statements:
        if s["Resource"] == ["*"]:
            assert set(s["Action"]) <= set(NO_RESOURCE_LEVEL), s


def _allows(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """Whether some statement allows the action on the resource (conditions aside)."""
    return any(
        action in s["Action"] and any(fnmatchcase(resource, pattern) for pattern in s["Resource"])
        for s in statements
    )


def _resources(prefix: str, op: str, params: Mapping[str, Any], sample: sandboxes.Sample) -> list[str]:
    """The ARNs IAM authorizes the call on, from its parameters ([] where they do not say: "*" is checked)."""
    head = f"arn:aws:{prefix}:{sample.region}:{sample.account_id}"
    cluster = str(params.get("cluster", sample.cluster)).rsplit("/", 1)[-1]

    def ecs(kind: str, name: str) -> str:
        return name if name.startswith("arn:") else f"{head}:{kind}/{cluster}/{name}"

    if prefix == "ecs" and op in ("CreateTaskSet", "DeleteTaskSet", "DescribeTaskSets"):
        service = str(params["service"]).rsplit("/", 1)[-1]
        ids = [*params.get("taskSets", []), *([params["taskSet"]] if "taskSet" in params else [])]
        return [f"{head}:task-set/{cluster}/{service}/{i.rsplit('/', 1)[-1]}" for i in ids or ["ecs-svc/1"]]
    if prefix == "ecs":
        services = [
            *params.get("services", []),
            *[params[k] for k in ("service", "serviceName") if k in params],
        ]
        found = [ecs("service", name) for name in services]
        found += [
            ecs("task", t)
            for t in [*params.get("tasks", []), *([params["task"]] if "task" in params else [])]
        ]
        deployments = [*params.get("serviceDeploymentArns", []), *params.get("serviceRevisionArns", [])]
        deployments += [params["serviceDeploymentArn"]] if "serviceDeploymentArn" in params else []
        found += [a for arn in deployments for a in (arn, _service_of(arn))]
        if op == "RunTask":
            found.append(str(params["taskDefinition"]))
        if op == "RegisterTaskDefinition":
            found.append(f"{head}:task-definition/{params['family']}:1")
        if op in ("TagResource", "UntagResource"):
            found.append(params["resourceArn"])
        return found
    if prefix == "elasticloadbalancing":
        keys = ("TargetGroupArn", "RuleArn", "ListenerArn")
        found = [params[k] for k in keys if k in params] + list(params.get("ResourceArns", []))
        if op == "CreateTargetGroup":
            found.append(f"{head}:targetgroup/{params['Name']}/0123456789abcdef")
        return found if not op.startswith("Describe") else []
    if prefix == "dynamodb":
        return [f"{head}:table/{params['TableName']}"]
    if prefix == "ecr" and "repositoryName" in params:
        return [f"{head}:repository/{params['repositoryName']}"]
    if prefix == "codedeploy" and "applicationName" in params:
        group = params.get("deploymentGroupName")
        return [
            f"{head}:deploymentgroup:{params['applicationName']}/{group}"
            if group
            else f"{head}:application:{params['applicationName']}"
        ]
    if prefix == "iam" and "RoleName" in params:
        return [f"arn:aws:iam::{sample.account_id}:role/{params['RoleName']}"]
    return []


def _service_of(deployment_arn: str) -> str:
    """The service a service deployment or revision belongs to."""
    head, _, path = deployment_arn.partition(":service-")
    cluster, service = path.split("/")[1:3]
    return f"{head}:service/{cluster}/{service}"


@pytest.mark.parametrize("config", ["ci-ecs.yml", "ci-ecs-switch.yml", "ci-ecs-taskset.yml"])
def test_the_run_policy_allows_every_call_of_a_run_on_what_it_touches(
    cli: Any, sample: sandboxes.Sample, calls: list[Call], config: str
) -> None:
    image = ("--image", f"{sample.repository}:v2")
    assert cli("--config", config, "run", *image, "--", "migrate").code == 0
    assert (
        cli("--config", config, "run", "--image", f"{sample.repository}:v2-exit3", "--", "migrate").code == 1
    )
    assert cli("--config", config, "run", "--timeout", "1s", *image, "--", "sleep", "600").code == 1
    made = list(calls)
    shown = cli("--config", config, "iam-policy", "--run")
    assert shown.code == 0, shown.output
    statements = json.loads(shown.stdout)["Statement"]
    without = json.loads(cli("--config", config, "iam-policy").stdout)["Statement"]

    called = {f"{prefix}:{op}" for prefix, op, _ in made}
    granted = {action for s in statements for action in s["Action"]}
    assert called <= granted, f"not allowed: {sorted(called - granted)}"
    assert {"ecs:RunTask", "ecs:StopTask"} <= called - {a for s in without for a in s["Action"]}
    for prefix, op, params in made:
        for resource in _resources(prefix, op, params, sample):
            assert _allows(statements, f"{prefix}:{op}", resource), f"{prefix}:{op} on {resource}"


def test_a_review_environment_s_policy_allows_every_call_of_its_deploys_and_stop(
    cli: Any, sample: sandboxes.Sample, calls: list[Call]
) -> None:
    review = ("--config", "ci-ecs-review.yml", "--environment", "review/feature-x")
    assert cli(*review, "deploy", "--image", f"{sample.repository}:v2").code == 0
    assert cli(*review, "deploy", "--image", f"{sample.repository}:v3").code == 0
    assert cli(*review, "stop").code == 0
    made = list(calls)
    shown = cli(*review, "iam-policy")
    assert shown.code == 0, shown.output
    statements = json.loads(shown.stdout)["Statement"]

    called = {f"{prefix}:{op}" for prefix, op, _ in made}
    granted = {action for s in statements for action in s["Action"]}
    assert called <= granted, f"not allowed: {sorted(called - granted)}"
    for prefix, op, params in made:
        for resource in _resources(prefix, op, params, sample):
            assert _allows(statements, f"{prefix}:{op}", resource), f"{prefix}:{op} on {resource}"


def test_services_in_another_account_get_their_role_s_policy_and_the_job_may_assume_it(
    cli: Any, workdir: Any, sample: sandboxes.Sample
) -> None:
    role = "arn:aws:iam::210987654321:role/deployer"
    text = (workdir / "ci-ecs-services.yml").read_text()
    text = text.replace("    container: worker\n", f"    container: worker\n    role_arn: {role}\n")
    (workdir / "elsewhere.yml").write_text(text)

    job = cli("--config", "elsewhere.yml", "iam-policy")
    assumed = cli("--config", "elsewhere.yml", "iam-policy", "--role", role)
    unknown = cli("--config", "elsewhere.yml", "iam-policy", "--role", role.replace("deployer", "other"))

    assert job.code == 0 and assumed.code == 0, job.output + assumed.output
    statements = json.loads(job.stdout)["Statement"]
    assert {
        "Sid": "AssumeServiceRoles",
        "Effect": "Allow",
        "Action": ["sts:AssumeRole"],
        "Resource": [role],
    } in (statements)
    services = next(s["Resource"] for s in statements if s["Sid"] == "Services")
    assert not any("shop-worker" in arn for arn in services) and any("shop-web" in arn for arn in services)
    assert "iam-policy --role " + role in job.stderr
    theirs = json.loads(assumed.stdout)["Statement"]
    assert next(s["Resource"] for s in theirs if s["Sid"] == "Services") == [
        "arn:aws:ecs:us-east-1:210987654321:service/demo/shop-worker"
    ]
    assert not {"JobLock", "FindImage", "AssumeServiceRoles"} & {s["Sid"] for s in theirs}
    assert unknown.code == 2 and "--role: no service of `services:` has role_arn" in unknown.stderr

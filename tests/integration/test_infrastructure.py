"""examples/infrastructure/: every CloudFormation template passes cfn-lint; each technique's stack, created
through the sandbox's CloudFormation on base.yaml, passes `ci-ecs check` with its example ci-ecs.yml, and a
canary-deploy and a deploy on it succeed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "infrastructure"
TECHNIQUES = ("rolling", "taskset", "codedeploy", "native", "switch")
# Each technique's own parameters in the sandbox: its own listener ports, short bake times.
PARAMETERS: dict[str, dict[str, str]] = {
    "rolling": {"ListenerPort": "9001"},
    "taskset": {"ListenerPort": "9002"},
    "codedeploy": {"ProductionPort": "9003", "TestPort": "9004", "TerminationWaitMinutes": "1"},
    "native": {
        "ProductionPort": "9005",
        "TestPort": "9006",
        "BakeTimeInMinutes": "2",
        "StepPercent": "25",
        "StepBakeTimeInMinutes": "1",
    },
    "switch": {"ListenerPort": "9007", "PublicHost": "app.cfn.test", "PreparingHost": "preparing.cfn.test"},
}
# What the sandbox's config adds to the example: fast polls, and CodeDeploy's waits in sandbox minutes.
SANDBOX_LINES: dict[str, list[str]] = {
    "codedeploy": ["  termination_wait: 2", "  ready_wait: 3600"],
    "switch": ["  min_healthy: 2", "  overlap: 2"],
}
WAIT = ["wait:", "  poll_first: 1", "  poll_cap: 2", "  timeout: 120"]


def test_every_template_passes_cfn_lint() -> None:
    templates = sorted(EXAMPLES.glob("*.yaml"))
    assert {t.stem for t in templates} == {"base", *TECHNIQUES}
    linter = Path(sys.executable).with_name("cfn-lint")
    assert linter.is_file(), "cfn-lint is a test dependency (pip install -e '.[test]')"

    done = subprocess.run([str(linter), *map(str, templates)], capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "", done.stdout


def _outputs(cloudformation: Any, name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _create(cloudformation: Any, name: str, parameters: dict[str, str]) -> dict[str, str]:
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=(EXAMPLES / f"{name}.yaml").read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    return _outputs(cloudformation, name)


def _stacks(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, technique: str, **more: str
) -> dict[str, str]:
    """base.yaml and the technique's template as stacks, on the sample's network and ECR repository: every
    parameter and output by name."""
    cloudformation = client(sandbox, "cloudformation")
    vpc = client(sandbox, "ec2").describe_subnets(SubnetIds=[sample.subnets[0]])["Subnets"][0]["VpcId"]
    network = {"Subnets": ",".join(sample.subnets)}
    base = {"ClusterName": "cfn", "LoadBalancerName": "cfn", **network}
    base_out = _create(
        cloudformation, "base", {**base, "LoadBalancerSecurityGroups": ",".join(sample.security_groups)}
    )
    parameters = {
        "ClusterName": base_out["ClusterName"],
        "LoadBalancerArn": base_out["LoadBalancerArn"],
        "ExecutionRoleArn": base_out["ExecutionRoleArn"],
        "TaskRoleArn": base_out["TaskRoleArn"],
        "VpcId": vpc,
        **network,
        "SecurityGroups": ",".join(sample.security_groups),
        "ServiceName": f"cfn-{technique}",
        "ImageRepository": sample.repository,
        "ImageTag": "v1",
        **PARAMETERS[technique],
        **more,
    }
    outputs = _create(cloudformation, technique, parameters)
    sandbox.wait_idle(timeout=60)
    return {**parameters, **outputs}


def _config(workdir: Path, technique: str, values: dict[str, str], native: list[str] | None = None) -> str:
    """The technique's example ci-ecs.yml with the stacks' values (and these `native:` settings instead of
    the example's), and the sandbox's faster waits."""
    text = re.sub(r"\$\{(\w+)\}", lambda m: values[m[1]], (EXAMPLES / f"{technique}.ci-ecs.yml").read_text())
    if native is not None:
        text = "\n".join([text.partition("\nnative:\n")[0], "native:", *native])
    name = f"ci-ecs-cfn-{technique}.yml"
    (workdir / name).write_text(
        "\n".join([text.rstrip("\n"), *SANDBOX_LINES.get(technique, []), *WAIT]) + "\n"
    )
    return name


def _service(sandbox: sandboxes.Sandbox, name: str) -> dict[str, Any]:
    found: dict[str, Any] = client(sandbox, "ecs").describe_services(cluster="cfn", services=[name])[
        "services"
    ][0]
    return found


def _image(sandbox: sandboxes.Sandbox, task_definition: str) -> str:
    described = client(sandbox, "ecs").describe_task_definition(taskDefinition=task_definition)
    return str(described["taskDefinition"]["containerDefinitions"][0]["image"])


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form functions (!Ref, !Sub …) read as their bare values."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _template_types(technique: str) -> set[str]:
    template = yaml.load((EXAMPLES / f"{technique}.yaml").read_text(), Loader=_Loader)
    return {r["Type"] for r in template["Resources"].values()}


def _types(cloudformation: Any, stack: str) -> set[str]:
    resources = cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return {r["ResourceType"] for r in resources} - {""}


def _check_and_deploy(cli: Any, sample: sandboxes.Sample, config: str) -> str:
    """`check`, `canary-deploy` and `deploy` of v2 with this config, each succeeding; v2's pinned image."""
    image = f"{sample.repository}:v2"
    for command in ("check", "canary-deploy", "deploy"):
        run = cli("-c", config, command, "--image", image)
        assert run.code == 0, run.output
    return f"{sample.repository}@{sample.images['v2']}"  # ci-ecs deploys the tag's digest


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_stack_passes_check_and_deploys(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, technique: str
) -> None:
    values = _stacks(sandbox, sample, technique)
    config = _config(workdir, technique, values)
    # Every resource of the template was created (moto's CloudFormation alone skips some types).
    assert _types(client(sandbox, "cloudformation"), technique) == _template_types(technique)
    pinned = _check_and_deploy(cli, sample, config)

    live = _service(sandbox, "cfn-switch-v2" if technique == "switch" else f"cfn-{technique}")
    assert live["status"] == "ACTIVE"
    if technique in ("taskset", "codedeploy"):  # the old task set may still run (termination wait)
        primary = next(t for t in live["taskSets"] if t["status"] == "PRIMARY")
        assert _image(sandbox, primary["taskDefinition"]) == pinned
        assert primary["runningCount"] == live["desiredCount"] == 2
    else:
        assert _image(sandbox, live["taskDefinition"]) == pinned
        assert live["runningCount"] == live["desiredCount"] == 2
    if technique == "codedeploy":  # the stack's group, as the template made it
        codedeploy = client(sandbox, "codedeploy")
        group = codedeploy.get_deployment_group(
            applicationName="AppECS-cfn-cfn-codedeploy", deploymentGroupName="DgpECS-cfn-cfn-codedeploy"
        )["deploymentGroupInfo"]
        assert group["ecsServices"] == [{"serviceName": "cfn-codedeploy", "clusterName": "cfn"}]
        ready = group["blueGreenDeploymentConfiguration"]["deploymentReadyOption"]
        assert ready == {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 1440}  # ReadyWaitMinutes


# native.yaml's other strategies (the example config is LINEAR's): the `native:` settings matching them.
NATIVE_STRATEGIES = {
    "BLUE_GREEN": ["  type: blue-green", "  bake_minutes: 2"],
    "CANARY": ["  type: canary", "  bake_minutes: 2", "  canary_percent: 10", "  canary_bake_minutes: 1"],
}


@pytest.mark.parametrize("strategy", sorted(NATIVE_STRATEGIES))
def test_native_stack_of_each_other_strategy_passes_check_and_deploys(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, strategy: str
) -> None:
    values = _stacks(
        sandbox, sample, "native", Strategy=strategy, CanaryPercent="10", CanaryBakeTimeInMinutes="1"
    )
    configuration = _service(sandbox, "cfn-native")["deploymentConfiguration"]
    assert configuration["strategy"] == strategy
    assert "linearConfiguration" not in configuration
    assert ("canaryConfiguration" in configuration) == (strategy == "CANARY")
    config = _config(workdir, "native", values, NATIVE_STRATEGIES[strategy])

    pinned = _check_and_deploy(cli, sample, config)

    live = _service(sandbox, "cfn-native")
    assert _image(sandbox, live["taskDefinition"]) == pinned
    assert live["runningCount"] == live["desiredCount"] == 2

"""Bad input: exit 2 or 3, one line naming the field, and AWS exactly as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client

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


def _aws_state(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> dict[str, Any]:
    """Everything a deploy could change, read straight from the sandbox."""
    ecs = client(sandbox, "ecs")
    service = ecs.describe_services(cluster=sample.cluster, services=[sample.service], include=["TAGS"])
    svc = service["services"][0]
    return {
        "task_definitions": ecs.list_task_definitions()["taskDefinitionArns"],
        "task_definition": svc["taskDefinition"],
        "deployments": [(d["id"], d["taskDefinition"]) for d in svc["deployments"]],
        "desired": svc["desiredCount"],
        "tags": sorted((t["key"], t["value"]) for t in svc.get("tags", [])),
        "targets": sorted(
            d["Target"]["Id"]
            for d in client(sandbox, "elbv2").describe_target_health(TargetGroupArn=sample.target_group_arn)[
                "TargetHealthDescriptions"
            ]
        ),
    }


def _write(workdir: Path, name: str, text: str) -> Path:
    path = workdir / name
    path.write_text(text)
    return path


def _config(workdir: Path) -> str:
    return (workdir / "ci-ecs.yml").read_text()


CASES: list[tuple[str, int, str, Any]] = [
    # (case id, exit code, word the message must name, how to make the bad input)
    ("unknown key", 2, "clustr", lambda w, s: _write(w, "ci-ecs.yml", _config(w) + "clustr: demo\n")),
    (
        "wrong type",
        2,
        "wait.timeout",
        lambda w, s: _write(w, "ci-ecs.yml", _config(w).replace("timeout: 120", "timeout: [1]")),
    ),
    (
        "missing cluster",
        2,
        "cluster",
        lambda w, s: _write(w, "ci-ecs.yml", _config(w).replace("cluster: demo", "")),
    ),
    ("yaml syntax", 2, "ci-ecs.yml", lambda w, s: _write(w, "ci-ecs.yml", _config(w) + "wait: [\n")),
    (
        "unknown strategy",
        2,
        "strategy",
        lambda w, s: _write(w, "ci-ecs.yml", _config(w) + "strategy: bluegreen\n"),
    ),
    (
        "unknown environment",
        2,
        "environment",
        lambda w, s: _write(w, "ci-ecs.yml", _config(w) + "environments:\n  staging:\n    service: web\n"),
    ),
    (
        "template syntax error",
        2,
        "task_definition",
        lambda w, s: (
            _write(w, "td.yml.j2", TEMPLATE.replace("{{ image }}", "{{ image }")),
            _write(w, "ci-ecs.yml", _config(w) + "task_definition: td.yml.j2\n"),
        ),
    ),
    (
        "undefined template variable",
        2,
        "memory",
        lambda w, s: (
            _write(w, "td.yml.j2", TEMPLATE),
            _write(w, "ci-ecs.yml", _config(w) + "task_definition: td.yml.j2\n"),
        ),
    ),
    (
        "invalid for RegisterTaskDefinition",
        2,
        "containerDefinitions",
        lambda w, s: (
            _write(w, "td.yml.j2", TEMPLATE.replace("{{ memory }}", "lots")),
            _write(w, "ci-ecs.yml", _config(w) + "task_definition: td.yml.j2\n"),
        ),
    ),
    (
        "container not in task definition",
        2,
        "container",
        lambda w, s: _write(w, "ci-ecs.yml", _config(w) + "container: worker\n"),
    ),
    ("image tag not in ECR", 3, "image", lambda w, s: None),
    ("latest tag", 2, "image", lambda w, s: None),
    (
        "cluster not found",
        3,
        "cluster",
        lambda w, s: _write(w, "ci-ecs.yml", _config(w).replace("cluster: demo", "cluster: nope")),
    ),
    (
        "service not found",
        3,
        "service",
        lambda w, s: _write(w, "ci-ecs.yml", _config(w).replace("service: web", "service: nope")),
    ),
    (
        "wrong region",
        3,
        "us-west-2",
        lambda w, s: _write(w, "ci-ecs.yml", _config(w).replace("region: us-east-1", "region: us-west-2")),
    ),
    ("no credentials", 3, "credentials", lambda w, s: None),
    ("config file missing", 2, "missing.yml", lambda w, s: None),
    ("bad boolean variable", 2, "CI_ECS_ROLLING_CIRCUIT_BREAKER", lambda w, s: None),
    ("bad duration flag", 2, "--timeout", lambda w, s: None),
    ("no image tag outside CI", 2, "image", lambda w, s: None),
    ("ECR repository not found", 3, "repository", lambda w, s: None),
]

EXTRA: dict[str, dict[str, Any]] = {
    "image tag not in ECR": {"image": ":v9"},
    "latest tag": {"image": ":latest"},
    "no credentials": {"unset": ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")},
    "config file missing": {"args": ("--config", "missing.yml")},
    "unknown environment": {"args": ("--environment", "production")},
    "bad boolean variable": {"env": {"CI_ECS_ROLLING_CIRCUIT_BREAKER": "maybe"}},
    "bad duration flag": {"after": ("--timeout", "soon")},
    "no image tag outside CI": {"image": None},
    "ECR repository not found": {"image": "nope"},
}


@pytest.mark.parametrize(("case", "code", "names", "make"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_exits_with_one_line_naming_the_field_and_changes_nothing(
    cli: Any,
    sandbox: sandboxes.Sandbox,
    sample: sandboxes.Sample,
    workdir: Path,
    case: str,
    code: int,
    names: str,
    make: Any,
) -> None:
    make(workdir, sample)
    extra = EXTRA.get(case, {})
    image_spec = extra.get("image", ":v2")
    if image_spec is None:
        image_args: tuple[str, ...] = ()
    elif image_spec.startswith(":"):
        image_args = ("--image", sample.repository + image_spec)
    else:
        image_args = ("--image", sample.repository.rsplit("/", 1)[0] + "/" + image_spec + ":v2")
    before = _aws_state(sandbox, sample)

    run = cli(
        *extra.get("args", ()),
        "deploy",
        *image_args,
        *extra.get("after", ()),
        env=extra.get("env"),
        unset=extra.get("unset", ()),
    )

    assert run.code == code, run.output
    errors = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, run.output
    message = errors[0]
    assert names.lower() in message.lower(), message
    assert "Traceback" not in run.output
    assert _aws_state(sandbox, sample) == before

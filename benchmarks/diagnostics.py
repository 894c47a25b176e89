"""Measure what explaining a failure costs in API calls, and what the slow-settings hints cost.

Run: .venv/bin/python benchmarks/diagnostics.py
Against the embedded sandbox (default pace), for each technique's job: the same job with a good image
(`v2`) and with a crashing one (`v2-crash`): the calls of each, and the difference in the calls the
explanation makes (ListTasks, DescribeTasks, DescribeServices, DescribeTaskDefinition, GetLogEvents).
Then a rolling deploy at a time scale of 50 with the target group's deregistration delay at 300 s and at
10 s: the hint's reads (DescribeTargetGroupAttributes, DescribeServices) appear only in the first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import boto3

from ci_ecs import sandbox as sandboxes

CI_ECS = str(Path(sys.executable).with_name("ci-ecs"))
JOBS = [
    ("rolling", "ci-ecs.yml", "deploy"),
    ("task canary", "ci-ecs-task.yml", "canary-deploy"),
    ("service canary", "ci-ecs-service.yml", "canary-deploy"),
    ("taskset canary", "ci-ecs-taskset.yml", "canary-deploy"),
    ("taskset deploy", "ci-ecs-taskset.yml", "deploy"),
    ("switch prepare", "ci-ecs-switch.yml", "canary-deploy"),
    ("codedeploy", "ci-ecs-codedeploy.yml", "deploy"),
    ("native canary", "ci-ecs-native-canary.yml", "deploy"),
]
TOLD = (
    "ecs:ListTasks",
    "ecs:DescribeTasks",
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "logs:GetLogEvents",
)
HINTS = ("elbv2:DescribeTargetGroupAttributes", "ecs:DescribeServices")


def _job(box: sandboxes.Sandbox, workdir: Path, config: str, command: str, tag: str) -> dict[str, Any]:
    """Run one job; its JSON record (the last one it printed) and exit code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CI"))} | box.env()
    image = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/web:{tag}"
    done = subprocess.run(
        [CI_ECS, "--config", config, "--output", "json", command, "--image", image],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    decoder, text, at = json.JSONDecoder(), done.stdout.strip(), 0
    record: dict[str, Any] = {}
    while at < len(text):
        record, at = decoder.raw_decode(text, at)
        while at < len(text) and text[at].isspace():
            at += 1
    return {"code": done.returncode, **record}


def _session(box: sandboxes.Sandbox) -> boto3.Session:
    env = box.env()
    return boto3.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )


def _fresh(box: sandboxes.Sandbox, directory: str) -> Path:
    box.reset(seed=True)
    workdir = Path(directory)
    box.write_config(workdir)
    return workdir


def main() -> None:
    box = sandboxes.start(0, seed=False)
    try:
        print(f"{'job':16} {'good':>5} {'crash':>6}  explanation (crash - good)")
        for name, config, command in JOBS:
            calls = {}
            for tag in ("v2", "v2-crash"):
                with tempfile.TemporaryDirectory() as directory:
                    record = _job(box, _fresh(box, directory), config, command, tag)
                calls[tag] = record.get("api_calls", {})
            good, crash = calls["v2"], calls["v2-crash"]
            told = {op.split(":")[1]: crash.get(op, 0) - good.get(op, 0) for op in TOLD}
            shown = ", ".join(f"{op} {n:+d}" for op, n in told.items() if n)
            print(f"{name:16} {sum(good.values()):5d} {sum(crash.values()):6d}  {shown}")
        print()
        box.set_time_scale(50)
        for delay in (300, 10):
            with tempfile.TemporaryDirectory() as directory:
                workdir = _fresh(box, directory)
                sample = box.sample
                assert sample is not None
                elbv2 = _session(box).client("elbv2", endpoint_url=box.endpoint)
                elbv2.modify_target_group_attributes(
                    TargetGroupArn=sample.target_group_arn,
                    Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(delay)}],
                )
                record = _job(box, workdir, "ci-ecs.yml", "deploy", "v2")
            reads = {op.split(":")[1]: record["api_calls"].get(op, 0) for op in HINTS}
            hints = [f"{h['setting']} ({h['seconds']:.1f}s)" for h in record.get("hints", [])]
            print(
                f"rolling deploy, delay {delay:3d}s: {record['seconds']:.1f}s, "
                f"{sum(record['api_calls'].values())} calls {reads}; hints: {hints or 'none'}"
            )
    finally:
        box.stop()


if __name__ == "__main__":
    main()

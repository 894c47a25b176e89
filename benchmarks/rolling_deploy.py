"""Measure ci-ecs on the sandbox: API calls of a rolling deploy, failure-detection latency, start-up time.

Run: .venv/bin/python benchmarks/rolling_deploy.py [--tick 0.1] [--runs 10]
Every figure comes from real processes: the `ci-ecs` console script against a sandbox on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from ci_ecs import sandbox as sandboxes

CI_ECS = str(Path(sys.executable).with_name("ci-ecs"))


def _env(box: sandboxes.Sandbox) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CI_", "GITLAB_", "GITHUB_"))}
    return {**env, **box.env()}


def _deploy(box: sandboxes.Sandbox, config: Path, image: str) -> tuple[int, dict[str, Any], float]:
    started = time.time()
    done = subprocess.run(
        [CI_ECS, "--config", str(config), "--output", "json", "deploy", "--image", image],
        env=_env(box),
        capture_output=True,
        text=True,
        check=False,
    )
    ended = time.time()
    record = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    return done.returncode, record, ended - started


def _failed_at(box: sandboxes.Sandbox, cluster: str, service: str) -> float | None:
    """When the sandbox marked the deployment FAILED, from the service event it wrote then."""
    ecs = boto3.client(
        "ecs",
        endpoint_url=box.endpoint,
        region_name=box.region,
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    events = ecs.describe_services(cluster=cluster, services=[service])["services"][0].get("events", [])
    failed = [
        e["createdAt"].timestamp()
        for e in events
        if "failed" in e["message"] and "deployment" in e["message"]
    ]
    return max(failed) if failed else None


def api_calls(box: sandboxes.Sandbox, config: Path) -> None:
    """A successful rolling deploy: calls by operation and the number of polls it took."""
    assert box.sample is not None
    code, record, seconds = _deploy(box, config, f"{box.sample.repository}:v2")
    calls: dict[str, int] = record.get("api_calls", {})
    polls = calls.get("ecs:DescribeServices", 0) - 1  # one describe is the inspection before any change
    print(f"## Rolling deploy v1 -> v2 (exit {code}, {seconds:.1f}s wall, {polls} polls)")
    for name, count in sorted(calls.items()):
        print(f"  {name:<50} {count}")
    print(f"  {'total':<50} {sum(calls.values())} in {polls} polls")


def failure_latency(box: sandboxes.Sandbox, config: Path) -> None:
    """From the sandbox marking a deployment FAILED to ci-ecs exiting 1."""
    assert box.sample is not None
    box.reset(seed=True)
    for tag in ("v2-crash", "v2-unhealthy"):
        box.reset(seed=True)
        code, _, _ = _deploy(box, config, f"{box.sample.repository}:{tag}")
        exited = time.time()
        failed = _failed_at(box, box.sample.cluster, box.sample.service)
        latency = f"{exited - failed:.2f}s" if failed else "n/a (no failure event)"
        print(f"## {tag}: exit {code}; FAILED in the sandbox -> ci-ecs exited: {latency}")


def startup(runs: int) -> None:
    """`ci-ecs --help` as a whole process; and whether boto3 is imported for it."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([CI_ECS, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    probe = "import sys, ci_ecs.cli; print('boto3' in sys.modules, 'moto' in sys.modules)"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    print(
        f"## ci-ecs --help over {runs} runs: min {min(times):.3f}s, median {statistics.median(times):.3f}s, "
        f"max {max(times):.3f}s; boto3 imported: {loaded[0]}, moto imported: {loaded[1]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # At 0.2 s a step, the sample rollout takes the 3 polls (1 s, 2.5 s, 4.5 s) of the written config.
    parser.add_argument("--tick", type=float, default=0.2, help="sandbox seconds per simulator step")
    parser.add_argument("--runs", type=int, default=10, help="start-up runs")
    args = parser.parse_args()
    box = sandboxes.start(0, seed=True, tick=args.tick)
    try:
        with tempfile.TemporaryDirectory() as directory:
            config = box.write_config(directory)
            print(f"# sandbox tick {args.tick}s; config: {config.read_text().splitlines()[-4:]}")
            api_calls(box, config)
            failure_latency(box, config)
    finally:
        box.stop()
    startup(args.runs)


if __name__ == "__main__":
    main()

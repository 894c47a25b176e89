"""Measure what following an ECS linear deployment costs: API calls per minute of AWS time, at the poll cap.

Run: .venv/bin/python benchmarks/native_follow.py [--time-scale realistic] [--poll-cap 15]
The sandbox runs at the time scale (realistic: an AWS minute lasts 6 s), and ci-ecs polls at the same scale
(`wait.poll_first` 2 s and `wait.poll_cap` given in AWS seconds, divided by the scale), so each figure is
what a job against AWS would make. The sample's linear service (25 % a step, a minute between steps) gets
a canary-deploy (paused after the first step) and a deploy that continues it to SUCCESSFUL, once with the
sample's two-minute bake and once with a 30-minute bake (the share of following in the calls grows with it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.config import parse_time_scale

CI_ECS = str(Path(sys.executable).with_name("ci-ecs"))
CONFIG = "ci-ecs-native-linear.yml"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web"


def _job(
    box: sandboxes.Sandbox, workdir: Path, scale: float, cap: float, *args: str
) -> tuple[dict[str, int], float]:
    """Run a ci-ecs job; (its API calls by operation, its wall seconds)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CI"))}
    env |= box.env() | {
        "CI_ECS_WAIT_POLL_FIRST": f"{2 / scale:g}",
        "CI_ECS_WAIT_POLL_CAP": f"{cap / scale:g}",
    }
    env |= {"CI_ECS_WAIT_TIMEOUT": "3600"}
    started = time.monotonic()
    done = subprocess.run(
        [CI_ECS, "--config", CONFIG, "--output", "json", *args],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed ({done.returncode}):\n{done.stderr}")
    return dict(json.loads(done.stdout)["api_calls"]), took


def _row(name: str, calls: dict[str, int], wall: float, scale: float) -> str:
    minutes = wall * scale / 60
    follows = calls.get("ecs:DescribeServiceDeployments", 0)
    total = sum(calls.values())
    return (
        f"| {name} | {minutes:.1f} | {total} | {follows} | {follows / minutes:.1f} | {total / minutes:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", default="realistic")
    parser.add_argument("--poll-cap", type=float, default=15.0, help="AWS seconds between polls, at most")
    options = parser.parse_args()
    scale = parse_time_scale(options.time_scale)
    print(f"time scale {scale:g} (an AWS minute lasts {60 / scale:g} s), poll cap {options.poll_cap:g} s\n")
    print("| job | AWS minutes | API calls | DescribeServiceDeployments | polls a minute | calls a minute |")
    print("|---|---|---|---|---|---|")
    box = sandboxes.start(0, seed=True, time_scale=scale)
    try:
        for bake in (2, 30):
            box.reset(seed=True)
            with tempfile.TemporaryDirectory() as directory:
                workdir = Path(directory)
                box.write_config(workdir)
                config = workdir / CONFIG
                text = config.read_text().replace(
                    "bake_minutes: 2", f"bake_minutes: {bake}\n  configure: true"
                )
                config.write_text(text)
                image = ("--image", f"{IMAGE}:v2")
                calls, wall = _job(box, workdir, scale, options.poll_cap, "canary-deploy", *image)
                print(_row(f"canary-deploy (bake {bake} min)", calls, wall, scale))
                calls, wall = _job(box, workdir, scale, options.poll_cap, "deploy", *image)
                print(_row(f"deploy, continuing it (bake {bake} min)", calls, wall, scale))
    finally:
        box.stop()


if __name__ == "__main__":
    main()

"""Measure the sandbox's time scale: wall time of ci-ecs jobs at a scale vs the AWS time they stand for.

Run: .venv/bin/python benchmarks/sandbox_time.py [--time-scale realistic] [--tick 0.1]
The `ci-ecs` console script deploys the sample service on a sandbox running at the time scale; a watcher
polls the service over HTTP every tick and notes the simulated second (= AWS second at the typical durations
of docs/sandbox.md) of each change. Rows: a rolling deploy v1 -> v2 with the sample's target group (health
check every 10 s, deregistration delay 30 s) and with AWS's defaults (30 s, 300 s); a `-crash` release that
the circuit breaker fails and rolls back.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.config import parse_time_scale
from ci_ecs.sandbox.state import RUNTIME

CI_ECS = str(Path(sys.executable).with_name("ci-ecs"))


def _client(box: sandboxes.Sandbox, name: str) -> Any:
    session = boto3.Session(region_name=box.region, aws_access_key_id="x", aws_secret_access_key="x")
    factory: Any = session.client  # any service by name: the typed overloads want a literal one
    return factory(name, endpoint_url=box.endpoint)


class Watcher(threading.Thread):
    """Polls the sample service every tick; the simulated second each new deployment's state first shows."""

    def __init__(self, box: sandboxes.Sandbox) -> None:
        super().__init__(daemon=True)
        assert box.sample is not None
        self.sample = box.sample
        self.ecs = _client(box, "ecs")
        self.start_tick = RUNTIME.now
        self.before = {d["id"] for d in self._deployments()}
        self.first: dict[tuple[str, str], float] = {}  # (deployment id, rolloutState) → simulated second
        self.stop = threading.Event()

    def _deployments(self) -> list[Any]:
        found = self.ecs.describe_services(cluster=self.sample.cluster, services=[self.sample.service])
        return list(found["services"][0]["deployments"])

    def seconds(self) -> float:
        return RUNTIME.config.seconds(RUNTIME.now - self.start_tick)

    def run(self) -> None:
        while not self.stop.wait(RUNTIME.config.tick / 2):
            at = self.seconds()
            for deployment in self._deployments():
                if deployment["id"] not in self.before:
                    self.first.setdefault((deployment["id"], deployment["rolloutState"]), at)

    def when(self, state: str, last: bool = False) -> float | None:
        """AWS seconds from the first new deployment's appearance (UpdateService) to a new one in `state`."""
        if not self.first:
            return None
        begun = min(self.first.values())
        found = [at for (_, seen), at in self.first.items() if seen == state]
        return ((max if last else min)(found) - begun) if found else None


def _s(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.0f} s ({seconds / 60:.1f} min)"


def _deploy(box: sandboxes.Sandbox, config: Path, tag: str) -> tuple[int, float, Watcher]:
    """`ci-ecs deploy` of `tag`, watched; (exit code, wall seconds of the job, watcher)."""
    assert box.sample is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CI_", "GITLAB_", "GITHUB_"))}
    watcher = Watcher(box)
    watcher.start()
    started = time.perf_counter()
    done = subprocess.run(
        [CI_ECS, "--config", str(config), "deploy", "--image", f"{box.sample.repository}:{tag}"],
        env={**env, **box.env()},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    return done.returncode, wall, watcher


def _finish(box: sandboxes.Sandbox, watcher: Watcher) -> tuple[float, float]:
    """Wait until nothing moves; (wall seconds waited, simulated seconds since the job started)."""
    started = time.perf_counter()
    box.wait_idle(timeout=600)
    time.sleep(2 * RUNTIME.config.tick)  # one more poll of the watcher
    watcher.stop.set()
    watcher.join()
    return time.perf_counter() - started, watcher.seconds()


def rolling(box: sandboxes.Sandbox, config: Path, aws_defaults: bool) -> None:
    assert box.sample is not None
    box.reset(seed=True)
    label = "sample target group (health check 10 s, delay 30 s)"
    if aws_defaults:
        label = "AWS default target group (health check 30 s, delay 300 s)"
        elbv2 = _client(box, "elbv2")
        group = box.sample.target_group_arn
        elbv2.modify_target_group(
            TargetGroupArn=group,
            HealthCheckIntervalSeconds=30,
            HealthyThresholdCount=5,
            UnhealthyThresholdCount=2,
        )
        elbv2.modify_target_group_attributes(
            TargetGroupArn=group,
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "300"}],
        )
    code, wall, watcher = _deploy(box, config, "v2")
    after, _ = _finish(box, watcher)
    print(f"## rolling deploy v1 -> v2, {label}: ci-ecs exit {code}")
    print(f"  UpdateService -> COMPLETED: {_s(watcher.when('COMPLETED'))} of AWS time")
    print(f"  ci-ecs deploy (the whole process): {wall:.1f} s wall; the sandbox idle {after:.1f} s later")


def crash(box: sandboxes.Sandbox, config: Path) -> None:
    box.reset(seed=True)
    code, wall, watcher = _deploy(box, config, "v2-crash")
    after, _ = _finish(box, watcher)
    print(f"## -crash release, circuit breaker with rollback: ci-ecs exit {code}")
    print(
        f"  UpdateService -> FAILED: {_s(watcher.when('FAILED'))} of AWS time; "
        f"-> rollback COMPLETED: {_s(watcher.when('COMPLETED', last=True))}"
    )
    print(f"  ci-ecs deploy (exits once FAILED): {wall:.1f} s wall; the rollback done {after:.1f} s later")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", default="realistic", help="a number > 0 or realistic (= 10)")
    parser.add_argument("--tick", type=float, default=0.1, help="sandbox seconds per simulator step")
    args = parser.parse_args()
    scale = parse_time_scale(args.time_scale)
    box = sandboxes.start(0, seed=True, tick=args.tick, time_scale=scale)
    try:
        with tempfile.TemporaryDirectory() as directory:
            config = box.write_config(directory)
            print(
                f"# sandbox tick {args.tick} s, time scale {scale:g} "
                f"(one tick = {RUNTIME.config.seconds(1):g} s of AWS time); "
                f"ci-ecs polls at 1 s then up to 2 s of wall time (the written config)"
            )
            rolling(box, config, aws_defaults=False)
            rolling(box, config, aws_defaults=True)
            crash(box, config)
    finally:
        box.stop()


if __name__ == "__main__":
    main()

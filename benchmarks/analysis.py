"""Measure what a canary analysis costs and how fast a failing canary is gone.

Run: .venv/bin/python benchmarks/analysis.py [--intervals 4]
Against the embedded sandbox (default pace), for the taskset canary (weights on a listener rule), the task
canary (shared target group) and the switch canary (public rule weights):
- a good image analysed for N intervals, without and with an alarm watched: API calls of the whole job and
  of the analysis (GetMetricData, DescribeAlarms), per interval;
- a `-errors` image: the time from the moment the first failing interval is printed to the moment the job
  has put the traffic back and removed the canary (its exit), and the calls in between.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from ci_ecs import sandbox as sandboxes

CI_ECS = str(Path(sys.executable).with_name("ci-ecs"))
CONFIGS = {"taskset": "ci-ecs-taskset.yml", "task": "ci-ecs-task.yml", "switch": "ci-ecs-switch.yml"}


def _config(workdir: Path, base: str, analysis: dict[str, Any]) -> str:
    data = yaml.safe_load((workdir / base).read_text(encoding="utf-8"))
    data["analysis"] = analysis
    name = f"bench-{base}"
    (workdir / name).write_text(yaml.safe_dump(data), encoding="utf-8")
    return name


def _job(
    box: sandboxes.Sandbox, workdir: Path, config: str, tag: str
) -> tuple[int, dict[str, Any], float | None]:
    """Run canary-deploy: its exit code, JSON record, and seconds from the first failing interval to exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CI"))} | box.env()
    image = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/web:{tag}"
    process = subprocess.Popen(
        [CI_ECS, "--config", config, "--output", "json", "canary-deploy", "--image", image],
        env=env,
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    failed_at: list[float] = []

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            if ": FAIL" in line and "interval" in line and not failed_at:
                failed_at.append(time.monotonic())

    reader = threading.Thread(target=read_log)
    reader.start()
    stdout = process.stdout.read() if process.stdout else ""
    code = process.wait()
    ended = time.monotonic()
    reader.join()
    record = json.loads(stdout) if stdout.strip() else {}
    return code, record, (ended - failed_at[0]) if failed_at else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intervals", type=int, default=4)
    args = parser.parse_args()
    box = sandboxes.start(0, seed=False)
    print(
        "| canary | analysis | exit | job API calls | GetMetricData | DescribeAlarms | per interval |", end=""
    )
    print(" fail → gone |")
    print("|---|---|---|---|---|---|---|---|")
    try:
        for name, base in CONFIGS.items():
            for label, extra, tag in (
                ("error rate + p99", {}, "v2"),
                ("+ 1 alarm", {"alarms": ["web-native-canary-5xx"]}, "v2"),
                ("-errors image", {}, "v2-errors"),
            ):
                sample = box.reset(seed=True)
                assert sample is not None
                with tempfile.TemporaryDirectory() as directory:
                    workdir = Path(directory)
                    box.write_config(workdir)
                    analysis = {
                        "error_rate": 5,
                        "p99_latency": "800ms",
                        "interval": "1s",
                        "count": args.intervals,
                        "delay": "1s",
                        "min_requests": 10,
                        **extra,
                    }
                    code, record, gone = _job(box, workdir, _config(workdir, base, analysis), tag)
                calls = record.get("api_calls", {})
                metrics = calls.get("cloudwatch:GetMetricData", 0)
                alarms = calls.get("cloudwatch:DescribeAlarms", 0)
                intervals = sum(len(a["intervals"]) for a in record.get("analysis", [])) or 1
                per = (metrics + alarms) / intervals
                shown = f"{gone:.2f} s" if gone is not None else "–"
                print(
                    f"| {name} | {label} | {code} | {sum(calls.values())} | {metrics} | {alarms} | "
                    f"{per:.1f} ({intervals} intervals) | {shown} |"
                )
    finally:
        box.stop()


if __name__ == "__main__":
    main()

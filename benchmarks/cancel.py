"""Seconds from a CI's SIGTERM to ci-ecs's exit, for a canary-deploy of each technique, on the sandbox.

Run: .venv/bin/python benchmarks/cancel.py [--tick 0.1] [-v]
Each job is started, sent SIGTERM 1 s later (while it waits for its canary), and timed
until it exits (143 when it undid what it started). GitHub Actions kills a step 10 s after its SIGINT.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from sandbox_jobs import CI_ECS, run

CONFIGS = {
    "task": "ci-ecs-task.yml",
    "service": "ci-ecs-service.yml",
    "taskset": "ci-ecs-taskset.yml",
    "codedeploy": "ci-ecs-codedeploy.yml",
    "switch": "ci-ecs-switch.yml",
}


def main() -> None:
    with run(__doc__, "; SIGTERM 1 s into each canary-deploy") as (args, box, directory):
        assert box.sample is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CI_", "GITLAB_", "GITHUB_"))}
        for technique, config in CONFIGS.items():
            box.reset(seed=True)
            box.write_config(directory)
            job = subprocess.Popen(
                [CI_ECS, "--config", config, "canary-deploy", "--image", f"{box.sample.repository}:v2-slow"],
                env={**env, **box.env()},
                cwd=directory,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            time.sleep(1.0)
            sent = time.monotonic()
            job.send_signal(signal.SIGTERM)
            out, _ = job.communicate(timeout=120)
            took = time.monotonic() - sent
            print(f"{technique:<11} exit {job.returncode:<4} {took:5.2f} s from SIGTERM to exit")
            if args.verbose:
                print("\n".join("    " + line for line in out.splitlines()[-8:]))


if __name__ == "__main__":
    main()

"""API calls per canary-deploy, deploy and rollback for each canary mode, measured on the sandbox.

Run: .venv/bin/python benchmarks/canary.py [--tick 0.1]
Each figure is the `api_calls` of the real `ci-ecs --output json` record of that job.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ci_ecs import sandbox as sandboxes

CI_ECS = str(Path(sys.executable).with_name("ci-ecs"))
CONFIGS = {"task": "ci-ecs-task.yml", "service": "ci-ecs-service.yml", "taskset": "ci-ecs-taskset.yml"}


def _job(box: sandboxes.Sandbox, directory: str, config: str, *args: str) -> tuple[int, int, dict[str, int]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CI_", "GITLAB_", "GITHUB_"))}
    done = subprocess.run(
        [CI_ECS, "--config", config, "--output", "json", *args],
        env={**env, **box.env()},
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    calls = json.loads(done.stdout).get("api_calls", {}) if done.stdout.strip().startswith("{") else {}
    return done.returncode, sum(calls.values()), calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tick", type=float, default=0.1, help="sandbox seconds per simulator step")
    parser.add_argument("-v", "--verbose", action="store_true", help="calls by operation")
    args = parser.parse_args()
    box = sandboxes.start(0, seed=True, tick=args.tick)
    print(f"# sandbox tick {args.tick}s; API calls per job (exit code in brackets)")
    print(f"{'mode':<8} {'canary-deploy':>14} {'deploy':>8} {'rollback':>9}")
    try:
        with tempfile.TemporaryDirectory() as directory:
            for mode, config in CONFIGS.items():
                assert box.sample is not None
                image = f"{box.sample.repository}:v2"
                box.reset(seed=True)
                box.write_config(directory)
                canary = _job(box, directory, config, "canary-deploy", "--image", image)
                deploy = _job(box, directory, config, "deploy", "--image", image)
                box.reset(seed=True)
                box.write_config(directory)
                _job(box, directory, config, "canary-deploy", "--image", image)
                rollback = _job(box, directory, config, "rollback")
                row = [f"{n} [{code}]" for code, n, _ in (canary, deploy, rollback)]
                print(f"{mode:<8} {row[0]:>14} {row[1]:>8} {row[2]:>9}")
                if args.verbose:
                    for name, (_, _, calls) in zip(
                        ("canary-deploy", "deploy", "rollback"), (canary, deploy, rollback), strict=True
                    ):
                        print(f"    {name}: " + ", ".join(f"{k} {v}" for k, v in sorted(calls.items())))
    finally:
        box.stop()


if __name__ == "__main__":
    main()

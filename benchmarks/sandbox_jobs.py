"""What the API-call benchmarks share: their arguments, a sandbox for the run, and one ci-ecs job.

Imported by the scripts next to it (`.venv/bin/python benchmarks/x.py` puts this folder on sys.path).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ci_ecs import sandbox as sandboxes

CI_ECS = str(Path(sys.executable).with_name("ci-ecs"))


def job(box: sandboxes.Sandbox, directory: str, config: str, *args: str) -> tuple[int, int, dict[str, int]]:
    """Run one `ci-ecs --output json` job; its exit code, total API calls and calls by operation."""
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


def by_operation(name: str, calls: dict[str, int]) -> str:
    """The `-v` line: a job's calls by operation."""
    return f"    {name}: " + ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))


@contextmanager
def run(doc: str, note: str = "") -> Iterator[tuple[argparse.Namespace, sandboxes.Sandbox, str]]:
    """Parse --tick/-v, start a seeded sandbox, print the header; yield (args, sandbox, work directory)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--tick", type=float, default=0.1, help="sandbox seconds per simulator step")
    parser.add_argument("-v", "--verbose", action="store_true", help="calls by operation")
    args = parser.parse_args()
    box = sandboxes.start(0, seed=True, tick=args.tick)
    print(f"# sandbox tick {args.tick}s; API calls per job (exit code in brackets){note}")
    try:
        with tempfile.TemporaryDirectory() as directory:
            yield args, box, directory
    finally:
        box.stop()

"""API calls per canary-deploy, deploy and rollback by CodeDeploy blue/green, measured on the sandbox.

Run: .venv/bin/python benchmarks/codedeploy.py [--tick 0.1] [-v]
Each figure is the `api_calls` of the real `ci-ecs --output json` record of that job.
"""

from __future__ import annotations

from sandbox_jobs import by_operation, job, run

from ci_ecs import sandbox as sandboxes

CONFIG = "ci-ecs-codedeploy.yml"
Job = tuple[str, int, int, dict[str, int]]


def _job(box: sandboxes.Sandbox, directory: str, name: str, *args: str) -> Job:
    code, total, calls = job(box, directory, CONFIG, *args)
    return name, code, total, calls


def _scenarios(box: sandboxes.Sandbox, directory: str, image: str) -> list[list[Job]]:
    """Three pipelines from a fresh sample each: canary → deploy, canary → rollback, deploy → rollback."""
    runs: list[list[Job]] = []
    for first, second in (("canary-deploy", "deploy"), ("canary-deploy", "rollback"), ("deploy", "rollback")):
        box.reset(seed=True)
        box.write_config(directory)
        jobs = [_job(box, directory, first, first, "--image", image)]
        jobs.append(_job(box, directory, second, second, *(("--image", image) if second == "deploy" else ())))
        runs.append(jobs)
    return runs


def main() -> None:
    with run(__doc__) as (args, box, directory):
        assert box.sample is not None
        for jobs in _scenarios(box, directory, f"{box.sample.repository}:v2"):
            print(" → ".join(f"{name} {calls} [{code}]" for name, code, calls, _ in jobs))
            if args.verbose:
                for name, _, _, calls_by_operation in jobs:
                    print(by_operation(name, calls_by_operation))


if __name__ == "__main__":
    main()

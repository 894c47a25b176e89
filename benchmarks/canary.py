"""API calls per canary-deploy, deploy and rollback for each canary mode, measured on the sandbox.

Run: .venv/bin/python benchmarks/canary.py [--tick 0.1]
Each figure is the `api_calls` of the real `ci-ecs --output json` record of that job.
"""

from __future__ import annotations

from sandbox_jobs import by_operation, job, run

CONFIGS = {"task": "ci-ecs-task.yml", "service": "ci-ecs-service.yml", "taskset": "ci-ecs-taskset.yml"}


def main() -> None:
    with run(__doc__) as (args, box, directory):
        print(f"{'mode':<8} {'canary-deploy':>14} {'deploy':>8} {'rollback':>9}")
        for mode, config in CONFIGS.items():
            assert box.sample is not None
            image = f"{box.sample.repository}:v2"
            box.reset(seed=True)
            box.write_config(directory)
            canary = job(box, directory, config, "canary-deploy", "--image", image)
            deploy = job(box, directory, config, "deploy", "--image", image)
            box.reset(seed=True)
            box.write_config(directory)
            job(box, directory, config, "canary-deploy", "--image", image)
            rollback = job(box, directory, config, "rollback")
            row = [f"{n} [{code}]" for code, n, _ in (canary, deploy, rollback)]
            print(f"{mode:<8} {row[0]:>14} {row[1]:>8} {row[2]:>9}")
            if args.verbose:
                for name, (_, _, calls) in zip(
                    ("canary-deploy", "deploy", "rollback"), (canary, deploy, rollback), strict=True
                ):
                    print(by_operation(name, calls))


if __name__ == "__main__":
    main()

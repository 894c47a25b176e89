"""API calls per canary-deploy, deploy and rollback of the `switch` technique, measured on the sandbox.

Run: .venv/bin/python benchmarks/switch.py [--tick 0.1] [-v]
Each figure is the `api_calls` of the real `ci-ecs --output json` record of that job.
"""

from __future__ import annotations

from sandbox_jobs import by_operation, job, run

PIPELINES = (
    ("ci-ecs-switch.yml", (("canary-deploy", "v2"), ("deploy", "v2"), ("deploy", "v3"))),  # deletes v1
    ("ci-ecs-switch.yml", (("canary-deploy", "v2"), ("rollback", ""), ("rollback", ""))),  # 2nd: no-op
    ("ci-ecs-switch.yml", (("deploy", "v2"), ("rollback", ""), ("rollback", ""))),
    # The same service behind two load balancers (switch.routes): every rule and target group twice.
    ("ci-ecs-switch-routes.yml", (("canary-deploy", "v2"), ("deploy", "v2"), ("deploy", "v3"))),
    ("ci-ecs-switch-routes.yml", (("deploy", "v2"), ("rollback", ""), ("rollback", ""))),
)


def main() -> None:
    with run(__doc__, ", each row a fresh sample") as (args, box, directory):
        assert box.sample is not None
        for config, pipeline in PIPELINES:
            box.reset(seed=True)
            box.write_config(directory)
            shown, details = [], []
            for command, tag in pipeline:
                image = ("--image", f"{box.sample.repository}:{tag}") if tag else ()
                code, total, calls = job(box, directory, config, command, *image)
                shown.append(f"{command} {tag}".strip() + f" {total} [{code}]")
                details.append(by_operation(command, calls))
            print(f"{config}: " + " → ".join(shown))
            if args.verbose:
                print("\n".join(details))


if __name__ == "__main__":
    main()

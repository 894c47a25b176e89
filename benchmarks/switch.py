"""API calls per canary-deploy, deploy and rollback of the `switch` technique, measured on the sandbox.

Run: .venv/bin/python benchmarks/switch.py [--tick 0.1] [-v]
Each figure is the `api_calls` of the real `ci-ecs --output json` record of that job.
"""

from __future__ import annotations

import argparse
import tempfile

import canary  # benchmarks/canary.py: runs one job and reads its API calls

from ci_ecs import sandbox as sandboxes

CONFIG = "ci-ecs-switch.yml"
PIPELINES = (
    (("canary-deploy", "v2"), ("deploy", "v2"), ("deploy", "v3")),  # the third deletes v1
    (("canary-deploy", "v2"), ("rollback", ""), ("rollback", "")),  # the second is a no-op
    (("deploy", "v2"), ("rollback", ""), ("rollback", "")),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tick", type=float, default=0.1, help="sandbox seconds per simulator step")
    parser.add_argument("-v", "--verbose", action="store_true", help="calls by operation")
    args = parser.parse_args()
    box = sandboxes.start(0, seed=True, tick=args.tick)
    print(f"# sandbox tick {args.tick}s; API calls per job (exit code in brackets), each row a fresh sample")
    try:
        with tempfile.TemporaryDirectory() as directory:
            assert box.sample is not None
            for pipeline in PIPELINES:
                box.reset(seed=True)
                box.write_config(directory)
                shown, details = [], []
                for command, tag in pipeline:
                    image = ("--image", f"{box.sample.repository}:{tag}") if tag else ()
                    code, total, calls = canary._job(box, directory, CONFIG, command, *image)
                    shown.append(f"{command} {tag}".strip() + f" {total} [{code}]")
                    details.append(
                        f"    {command}: " + ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
                    )
                print(" → ".join(shown))
                if args.verbose:
                    print("\n".join(details))
    finally:
        box.stop()


if __name__ == "__main__":
    main()

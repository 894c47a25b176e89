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

import json
import os
import re
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

import yaml

from tests.ci.gitlab_local import COMPONENT, GITLAB_CI_LOCAL, NODE_BIN, ROOT, Project, git, running_sandbox

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


# docs/use-it-in-your-forge.md: its pipelines pass the tools that read them, its trust policies name the
# forge's provider and audience, and its AWS commands run against the sandbox, after which a job with only
# AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE (the GitLab example's variables) gets credentials.
FORGE_GUIDE = ROOT / "docs" / "use-it-in-your-forge.md"
FORGE_SKIPPED = {
    # A push to a forge, a tag pipeline or workflow, a package registry: nothing here can stand in for them.
    # What they run is tested where it lives: tests/ci/test_gitlab_release.py, test_action_release.py.
    "git clone https://gitlab.com/ci-ecs/ci-ecs.git": "needs your GitLab",
    '"$EDITOR" CHANGELOG.md': "needs an editor and your GitLab",
    "git clone https://github.com/shop/ci-ecs.git": "needs your GitHub",
    "sed -i 's#^  image: docker://": "needs your GitHub and your registry",
}
PROVIDERS = {
    "gitlab.com": "gitlab-trust-policy.json",
    "token.actions.githubusercontent.com": "github-trust-policy.json",
}


def _fenced(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def _tool(name: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name(name)), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_forge_guide_marks_exactly_the_blocks_a_test_cannot_run() -> None:
    skipped = [body for runs, body in _blocks(FORGE_GUIDE.read_text(encoding="utf-8")) if not runs]
    assert sorted(next(k for k in FORGE_SKIPPED if body.startswith(k)) for body in skipped) == sorted(
        FORGE_SKIPPED
    )


def _pipelines() -> tuple[list[str], list[str]]:
    """The guide's GitLab pipelines and GitHub workflows (a workflow has `on:` and `jobs:`)."""
    blocks = _fenced(FORGE_GUIDE.read_text(encoding="utf-8"), "yaml")
    workflows = [b for b in blocks if {True, "jobs"} <= set(yaml.safe_load(b))]
    return [b for b in blocks if b not in workflows], workflows


def test_the_forge_guides_gitlab_pipelines_match_the_gitlab_ci_schema(tmp_path: Path) -> None:
    gitlab, _ = _pipelines()
    assert len(gitlab) == 2, "publishing in your GitLab, OIDC"
    for number, block in enumerate(gitlab):
        (tmp_path / f"{number}.yml").write_text(block, encoding="utf-8")
        done = _tool(
            "check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", str(tmp_path / f"{number}.yml")
        )
        assert done.returncode == 0, block + done.stdout + done.stderr


def test_the_gitlab_oidc_example_gives_every_component_job_the_token_and_its_file(tmp_path: Path) -> None:
    (oidc,) = [b for b in _pipelines()[0] if "id_tokens" in b]
    project = Project.create(tmp_path / "web", {".gitlab-ci.yml": oidc}, "git@gitlab.com:shop/web.git")
    project.serve_component("gitlab.com/ci-ecs/ci-ecs/ecs-deploy@v0.1.0")

    preview = project.run("--preview")

    assert preview.code == 0, preview.output
    jobs = {k: v for k, v in yaml.safe_load(preview.stdout).items() if isinstance(v, dict) and "script" in v}
    assert set(jobs) >= {"build", "canary-deploy", "deploy", "rollback"}
    for job in jobs.values():
        assert job["before_script"] == ["printf '%s' \"$AWS_ID_TOKEN\" > /tmp/aws-web-identity-token"]
    # GitLab gives every job `default: id_tokens` (GitLab 16.4 and later; the schema test above accepts
    # it there); gitlab-ci-local's preview leaves that keyword out of the jobs, so it is read here.
    pipeline = yaml.safe_load(oidc)
    assert pipeline["default"]["id_tokens"] == {"AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"}}
    assert pipeline["variables"]["AWS_WEB_IDENTITY_TOKEN_FILE"] == "/tmp/aws-web-identity-token"


def test_the_forge_guides_github_workflow_passes_actionlint_and_the_workflow_schema(tmp_path: Path) -> None:
    (workflow,) = _pipelines()[1]
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    path = tmp_path / ".github" / "workflows" / "deploy.yml"
    path.write_text(workflow, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)

    for done in (
        _tool("actionlint", cwd=tmp_path),
        _tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)),
    ):
        assert done.returncode == 0, done.stdout + done.stderr
    steps = yaml.safe_load(workflow)["jobs"]["deploy"]["steps"]
    assert "role-to-assume" in steps[1]["with"] and steps[2]["uses"] == "shop/ci-ecs@v0"


def _policies() -> dict[str, dict[str, Any]]:
    """Each trust policy of the guide by its provider's host."""
    found = {}
    for block in _fenced(FORGE_GUIDE.read_text(encoding="utf-8"), "json"):
        policy = json.loads(block)
        (statement,) = policy["Statement"]
        found[statement["Principal"]["Federated"].split("oidc-provider/", 1)[1]] = policy
    return found


def test_the_trust_policies_let_only_the_forges_tokens_for_aws_and_the_app_assume_the_role() -> None:
    policies = _policies()
    assert set(policies) == set(PROVIDERS)
    for host, policy in policies.items():
        (statement,) = policy["Statement"]
        assert policy["Version"] == "2012-10-17"
        assert (statement["Effect"], statement["Action"]) == ("Allow", "sts:AssumeRoleWithWebIdentity")
        assert statement["Principal"]["Federated"] == f"arn:aws:iam::123456789012:oidc-provider/{host}"
        conditions = {key: value for test in statement["Condition"].values() for key, value in test.items()}
        assert set(conditions) == {f"{host}:aud", f"{host}:sub"}
        assert conditions[f"{host}:aud"] == "sts.amazonaws.com"
        subjects = conditions[f"{host}:sub"]
        assert subjects and all("shop/web:" in s for s in subjects)
    github = policies["token.actions.githubusercontent.com"]["Statement"][0]["Condition"]["StringEquals"]
    assert "repo:shop/web:environment:production" in github["token.actions.githubusercontent.com:sub"]
    gitlab = policies["gitlab.com"]["Statement"][0]["Condition"]["StringLike"]["gitlab.com:sub"]
    assert "project_path:shop/web:ref_type:branch:ref:main" in gitlab


def test_the_role_commands_run_on_the_sandbox_and_the_web_identity_variables_give_a_job_credentials(
    tmp_path: Path,
) -> None:
    runnable = [body for runs, body in _blocks(FORGE_GUIDE.read_text(encoding="utf-8")) if runs]
    (commands,) = [body for body in runnable if body.startswith("aws iam")]
    with running_sandbox(tmp_path) as exports:
        for host, name in PROVIDERS.items():
            (tmp_path / name).write_text(json.dumps(_policies()[host]), encoding="utf-8")
        base = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path), **exports}
        env = {**base, "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}

        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", commands],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )

        assert done.returncode == 0, done.stdout + done.stderr
        gitlab = yaml.safe_load(next(b for b in _pipelines()[0] if "id_tokens" in b))["variables"]
        token = tmp_path / "token"
        token.write_text(
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0X3BhdGg6c2hvcC93ZWIifQ.c2ln", encoding="utf-8"
        )
        keyless = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
        keyless |= {"AWS_ROLE_ARN": gitlab["AWS_ROLE_ARN"], "AWS_WEB_IDENTITY_TOKEN_FILE": str(token)}
        who = subprocess.run(
            [str(Path(sys.executable).with_name("ci-ecs")), "status"],
            cwd=tmp_path,
            env=keyless,
            capture_output=True,
            text=True,
        )
        assert who.returncode == 0, who.stdout + who.stderr
    role = json.loads((tmp_path / "ci-ecs-policy.json").read_text())
    assert role["Version"] == "2012-10-17" and role["Statement"]


def test_renaming_the_image_for_your_gitlab_passes_the_release_jobs_check_and_the_tests_of_the_component(
    tmp_path: Path,
) -> None:
    # The mirror's tag pipeline runs the test suite before its release job checks the component's default
    # image: after the guide's rename, in a copy of this working tree, both pass.
    runnable = [body for runs, body in _blocks(FORGE_GUIDE.read_text(encoding="utf-8")) if runs]
    (rename,) = [body for body in runnable if body.startswith("git grep -l")]
    mirror = tmp_path / "ci-ecs"
    for name in git(ROOT, "ls-files", "-z").split("\0"):
        if name and (ROOT / name).is_file():
            (mirror / name).parent.mkdir(parents=True, exist_ok=True)
            (mirror / name).write_bytes((ROOT / name).read_bytes())
    (mirror / ".tools").symlink_to(ROOT / ".tools")
    git(mirror, "init", "-q")
    git(mirror, "add", "-A")
    git(mirror, "commit", "-q", "-m", "ci-ecs")

    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", rename], cwd=mirror, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stdout + done.stderr
    changed = set(git(mirror, "diff", "--name-only").splitlines())
    assert {"templates/ecs-deploy.yml", ".gitlab-ci-template.yml"} <= changed
    release = yaml.safe_load((mirror / ".gitlab-ci.yml").read_text())["release"]["script"][1]
    env = {"PATH": "/usr/bin:/bin", "CI_COMMIT_TAG": "v0.1.0"}
    env["CI_REGISTRY_IMAGE"] = "registry.gitlab.example.com/platform/ci-ecs"
    check = subprocess.run(["sh", "-ec", release], cwd=mirror, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
            "tests/ci/test_gitlab_component.py::test_component_default_image_is_the_image_of_the_release_the_examples_include",
            "tests/ci/test_gitlab_component.py::test_classic_template_is_the_component_jobs_with_the_input_defaults",
        ],
        cwd=mirror,
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr

"""Helpers for integration tests: running ci-ecs and the aws CLI, reading sandbox state directly."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from ci_ecs import sandbox as sandboxes
from tests.integration import kill_after

KILLER = str(Path(__file__).with_name("kill_after.py"))
# Jobs are forked from a server process that has imported ci-ecs and this module (run_killed).
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["tests.integration.kill_after"])


@dataclass(frozen=True)
class Run:
    """One ci-ecs invocation's outcome."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_env(sandbox: sandboxes.Sandbox, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment minus CI and AWS variables, plus the sandbox's, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "CI_", "GITLAB_", "GITHUB_", "CI_ECS_")) and k != "CI"
    }
    env.update(sandbox.env())
    env["AWS_CONFIG_FILE"] = "/nonexistent"
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    # Poll often: the sandbox's time steps are short (a flag or config beats these where a test sets one).
    env["CI_ECS_WAIT_POLL_FIRST"] = "0.2"
    env["CI_ECS_WAIT_POLL_CAP"] = "0.5"
    env.update(extra or {})
    return env


def run_process(args: list[str], env: Mapping[str, str], cwd: Path, timeout: float = 300) -> Run:
    """Run a real process (ci-ecs or aws) and capture its output."""
    done = subprocess.run(args, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return Run(done.returncode, done.stdout, done.stderr)


def ci_ecs_executable() -> str:
    """The installed console script beside this interpreter."""
    return str(Path(sys.executable).with_name("ci-ecs"))


def aws_executable() -> str:
    """The real aws CLI installed beside this interpreter."""
    return str(Path(sys.executable).with_name("aws"))


def aws_json(sandbox: sandboxes.Sandbox, workdir: Path, *args: str) -> Any:
    """Run the real aws CLI on the sandbox (`aws ARGS`); its JSON output ({} when it prints nothing)."""
    done = run_process(
        [aws_executable(), "--endpoint-url", sandbox.endpoint, *args], clean_env(sandbox), workdir
    )
    assert done.code == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def client(sandbox: sandboxes.Sandbox, service: str) -> Any:
    """A plain boto3 client on the sandbox, independent of ci-ecs."""
    factory: Any = boto3.client  # any service by name: the typed overloads want a literal one
    return factory(
        service,
        endpoint_url=sandbox.endpoint,
        region_name=sandbox.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def run_killed(
    sandbox: sandboxes.Sandbox,
    workdir: Path,
    limit: int,
    *args: str,
    extra: Mapping[str, str] | None = None,
    signal: str = "",
) -> subprocess.CompletedProcess[str]:
    """Run ci-ecs ARGS, SIGKILLed (or sent `signal`: TERM, INT) right after its `limit`th AWS call returns.

    The job is a process of its own, forked from a server that has imported ci-ecs (kill_after.forked):
    a fresh interpreter's imports cost more than most killed jobs run.
    """
    spec = f"{limit}:{signal}" if signal else str(limit)
    with tempfile.TemporaryDirectory(prefix="ci-ecs-job-") as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        job = _FORKS.Process(
            target=kill_after.forked,
            args=(spec, list(args), clean_env(sandbox, extra), str(workdir), str(out), str(err)),
        )
        job.start()
        job.join(timeout=300)
        if job.exitcode is None:
            job.kill()
            job.join()
            raise subprocess.TimeoutExpired([KILLER, spec, *args], 300)
        return subprocess.CompletedProcess(
            [KILLER, spec, *args], job.exitcode, out.read_text("utf-8"), err.read_text("utf-8")
        )


def kill_at_every_call(
    sandbox: sandboxes.Sandbox,
    sample: sandboxes.Sample,
    workdir: Path,
    job: tuple[str, ...],
    rollback: tuple[str, ...],
    judge: Callable[[sandboxes.Sample], Any],
    *,
    thens: Sequence[str] = ("rerun", "rollback"),
    extra: Mapping[str, str] | None = None,
    rewrite_config: bool = True,
    after_rollback: Callable[[Any], Any] = lambda state: state,
    killed_state: Callable[[Any], None] = lambda state: None,
    prepare: Callable[[], None] = lambda: None,
    after_writes_only: bool = False,
) -> None:
    """Kill `job` after each of its AWS calls but the last, each on a fresh sample; then re-run or roll back.

    `job` is first run whole: `judge` (the state that counts, of a sample) must differ from before.
    Then for every call and every `then`: a re-run must end as the whole job did; a rollback (exit 0,
    or 3 when nothing was recorded yet) as before it, judged through `after_rollback`.
    `rewrite_config`: write the configs again after each reset (the reseeded rules and target groups
    have new ARNs). `killed_state` checks what a kill leaves (judged), before the re-run or rollback.
    `prepare` runs on each fresh sample before the job (e.g. the canary a rollback ends).
    `after_writes_only`: kill only after the calls that change AWS, and after the first call (a kill after a
    read leaves what a kill after the write before it leaves): for jobs whose waits poll many times.
    """
    prepare()
    stable = judge(sample)
    log = workdir / "calls.log"
    log.unlink(missing_ok=True)
    complete = run_killed(
        sandbox, workdir, 10**6, *job, extra={**(extra or {}), "CI_ECS_TEST_CALL_LOG": str(log)}
    )
    assert complete.returncode == 0, complete.stderr
    calls = sum(json.loads(complete.stdout)["api_calls"].values())
    sandbox.wait_idle()
    finished = judge(sample)
    assert finished != stable
    limits = list(range(1, calls))
    if after_writes_only:
        operations = log.read_text(encoding="utf-8").split()
        reads = ("Describe", "List", "Get")
        limits = [n for n in limits if n == 1 or not operations[n - 1].split(".")[-1].startswith(reads)]

    kills = 0
    for limit in limits:
        for then in thens:
            fresh = sandbox.reset(seed=True)
            assert fresh is not None
            if rewrite_config:
                sandbox.write_config(workdir)
            prepare()
            killed = run_killed(sandbox, workdir, limit, *job, extra=extra)
            if killed.returncode == 0:
                # Waits poll as often as the rollout takes: this run needed fewer calls than `limit`.
                sandbox.wait_idle()
                assert judge(fresh) == finished, f"call {limit}: finished early but not as the whole job"
                continue
            assert killed.returncode == -9, f"call {limit}: {killed.stderr}"
            kills += 1
            killed_state(judge(fresh))
            after = run_killed(sandbox, workdir, 10**6, *(job if then == "rerun" else rollback), extra=extra)
            # A rollback before anything was recorded finds nothing to roll back: 3, nothing changed.
            allowed = (0,) if then == "rerun" else (0, 3)
            assert after.returncode in allowed, (
                f"killed after call {limit}, {then}: {after.stdout}\n{after.stderr}"
            )
            sandbox.wait_idle()
            if then == "rerun":
                ended = judge(fresh)
                assert ended == finished, f"killed after call {limit}, then {then}: {ended} != {finished}"
            else:
                ended = after_rollback(judge(fresh))
                assert ended == stable, f"killed after call {limit}, then {then}: {ended} != {stable}"
    # Only the last few calls (the polls of a wait) may be missing from a run; most limits must kill.
    assert kills >= len(limits) * len(thens) // 2, f"only {kills} of {len(limits)} limits killed the job"

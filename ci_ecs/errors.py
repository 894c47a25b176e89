"""One error base, each subclass carrying the exit code of DESIGN.md §2."""

from __future__ import annotations


class CiEcsError(Exception):
    """Base of every error ci-ecs reports; `exit_code` is what the CLI exits with."""

    exit_code = 1


class ConfigError(CiEcsError):
    """Bad input or configuration; nothing was changed."""

    exit_code = 2


class PreconditionError(CiEcsError):
    """Something in AWS or the forge is not as required (not found, permission); nothing was changed."""

    exit_code = 3


class AwsError(CiEcsError):
    """AWS refused a call; `code` is its error code (`ThrottlingException`, `ValidationError`, …)."""

    exit_code = 1

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class AwsPreconditionError(AwsError, PreconditionError):
    """AWS refused a call because it is not as required (access, credentials, not found)."""

    exit_code = 3


class NothingToDo(CiEcsError):
    """There is nothing for this job to change (a rollback in a pipeline whose version is not live)."""

    exit_code = 0


class DeploymentFailed(CiEcsError):
    """The deployment failed and was rolled back where the technique allows."""

    exit_code = 1


class RunFailed(CiEcsError):
    """A one-off task (`ci-ecs run`) failed: its container exited non-zero, never ran, or timed out."""

    exit_code = 1


class RollbackFailed(CiEcsError):
    """The deployment failed and so did the automatic rollback: a person must look."""

    exit_code = 4


class Cancelled(BaseException):
    """The CI cancelled the job (SIGTERM or SIGINT); it exits 128 + the signal's number.

    A BaseException, like KeyboardInterrupt: code that handles errors must not swallow a cancellation.
    """

    def __init__(self, signal_number: int, name: str) -> None:
        super().__init__(f"cancelled by {name}")
        self.exit_code = 128 + signal_number
        self.name = name

"""`services:` plans composed of each service's own technique plan: order, names, undo, keep, record."""

from __future__ import annotations

import io

import pytest

from ci_ecs.aws.clients import Aws
from ci_ecs.errors import ConfigError, DeploymentFailed
from ci_ecs.model import DeploymentRecord, ImageRef, Release, Status
from ci_ecs.output import Console
from ci_ecs.runner import Plan, Step, run
from ci_ecs.settings import Settings
from ci_ecs.settings.services import ServiceEntry
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.several import canary, deploy
from ci_ecs.strategies.technique import Name, Technique

RELEASE = Release(ImageRef("registry.example.com/shop", "v2"), "v2")


class Fake:
    """Each service's plans: steps that log what they do; `fails` names the step that fails."""

    def __init__(self, fails: str = "", plain: tuple[str, ...] = ()) -> None:
        self.log: list[str] = []
        self.fails = fails
        self.plain = plain  # services by plain rolling update without a canary

    def _step(
        self, service: str, action: str, *, undo: bool = False, read_only: bool = False, name: str = ""
    ) -> Step:
        """A step logging `service action` (named `name`, else `action`)."""

        def do() -> str:
            self.log.append(f"{service} {action}")
            if f"{service} {action}" == self.fails:
                raise DeploymentFailed(f"{service} {action} failed")
            return ""

        def back() -> str:
            self.log.append(f"{service} undo {action}")
            return ""

        return Step(name or action, do, back if undo else None, read_only)

    def _plan(self, ctx: Context, command: str) -> Plan:
        s = ctx.settings.service

        def record(status: Status, reason: str | None) -> DeploymentRecord:
            return DeploymentRecord(
                "deploy",
                "codedeploy",
                s,
                "demo",
                "v2",
                f"arn:td/{s}:2",
                "v1",
                f"arn:td/{s}:1",
                status,
                reason,
            )

        steps = (
            self._step(s, "inspect", read_only=True),
            self._step(s, "pin", read_only=True, name="check the image"),
            self._step(s, "render", read_only=True),
            self._step(s, f"{command} start", undo=True),
            self._step(s, f"{command} wait"),
        )
        return Plan(f"{command} v2 to {s} by codedeploy", steps, record)

    def technique_of(self, settings: Settings) -> tuple[Name, Technique]:
        name: Name = "rolling" if settings.service in self.plain else "codedeploy"
        plans = Technique(
            lambda ctx: self._plan(ctx, "canary"),
            lambda ctx: self._plan(ctx, "deploy"),
            lambda ctx, to: Plan("rollback", (self._step(ctx.settings.service, f"rollback to {to}"),)),
        )
        return name, plans


def _context(on_failure: str = "rollback-all") -> tuple[Context, io.StringIO]:
    services = (ServiceEntry("api"), ServiceEntry("web", after=("api",)), ServiceEntry("admin"))
    settings = Settings(cluster="demo", service="", services=services, on_failure=on_failure)  # type: ignore[arg-type]
    out = io.StringIO()
    return Context(settings, RELEASE, Aws("us-east-1"), Console(out=out, err=out), {}), out


def _without_pin(plan: Plan) -> Plan:
    """The plan after its job-wide image check (which would look the image up)."""
    assert plan.steps[0].name == "check the image"
    return Plan(plan.title, plan.steps[1:], plan.record)


def test_every_service_is_inspected_first_then_each_wave_changes_by_its_own_plan() -> None:
    fake = Fake()
    ctx, _ = _context()

    plan = deploy.plan(ctx, fake.technique_of)
    run(_without_pin(plan), ctx.console)

    assert (
        plan.title == "deploy v2 to services api, admin, web by codedeploy (2 waves, on failure rollback-all)"
    )
    names = [step.name for step in plan.steps]
    assert names[:7] == [
        "check the image",
        "api: inspect",
        "api: render",
        "admin: inspect",
        "admin: render",
        "web: inspect",
        "web: render",
    ]
    assert names[7:] == [f"{s}: deploy {w}" for s in ("api", "admin", "web") for w in ("start", "wait")]
    assert not [line for line in fake.log if line.endswith(" pin")]  # pinned once for the job, not each


@pytest.mark.parametrize("on_failure", ["rollback-all", "keep"])
def test_a_failed_service_is_undone_and_those_that_completed_go_back_by_their_rollback_unless_kept(
    on_failure: str,
) -> None:
    fake = Fake(fails="web deploy wait")
    ctx, out = _context(on_failure)
    plan = deploy.plan(ctx, fake.technique_of)

    with pytest.raises(DeploymentFailed, match="web deploy wait failed"):
        run(_without_pin(plan), ctx.console)

    undone = [line for line in fake.log if " undo " in line or " rollback " in line]
    if on_failure == "rollback-all":  # newest first; the version each recorded before (to: None)
        assert undone == ["web undo deploy start", "admin rollback to None", "api rollback to None"]
        where = "api v1 (api:1), rolled back; admin v1 (admin:1), rolled back"
    else:
        assert undone == ["web undo deploy start"]  # api and admin completed: kept
        assert "undo: api: deploy wait\n    kept (on_failure: keep)" in out.getvalue()
        where = "api v2 (api:2), kept; admin v2 (admin:2), kept"
    assert plan.record is not None
    record = plan.record("failed", "web deploy wait failed")
    assert record.details["services"] == f"{where}; web v1 (web:1), rolled back"
    assert record.service == "api, admin, web" and record.command == "deploy"


def test_canary_deploy_starts_the_canaries_and_leaves_services_without_one_to_deploy() -> None:
    fake = Fake(plain=("admin",))
    ctx, _ = _context()

    plan = canary.plan(ctx, fake.technique_of)
    run(_without_pin(plan), ctx.console)

    assert "admin" not in " ".join(fake.log)
    assert "leave admin as it is" in [step.name for step in plan.steps]
    assert "api canary start" in fake.log and "web canary wait" in fake.log
    assert plan.record is not None
    services = plan.record("success", None).details["services"]
    assert "api canary v2 (api:2) beside v1" in services
    assert "admin unchanged (no canary: the deploy job deploys it with the rest)" in services


def test_canary_deploy_with_no_service_that_has_a_canary_exits_2_naming_services() -> None:
    fake = Fake(plain=("api", "web", "admin"))
    ctx, _ = _context()

    with pytest.raises(ConfigError, match="services: no service has a canary"):
        canary.plan(ctx, fake.technique_of)


def test_a_failed_canary_ends_the_canaries_this_job_started() -> None:
    fake = Fake(fails="web canary wait", plain=("admin",))
    ctx, _ = _context()
    plan = canary.plan(ctx, fake.technique_of)

    with pytest.raises(DeploymentFailed):
        run(_without_pin(plan), ctx.console)

    assert [line for line in fake.log if " undo " in line] == [
        "web undo canary start",
        "api undo canary start",
    ]
    assert plan.record is not None
    services = plan.record("failed", "web canary wait failed").details["services"]
    assert "api v1 (api:1), canary removed" in services and "web v1 (web:1), canary removed" in services

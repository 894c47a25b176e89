"""`rollback` of `services:` by each service's own technique: the others go on when one fails or is left."""

from __future__ import annotations

import io

import pytest

from ci_ecs.aws.clients import Aws
from ci_ecs.errors import DeploymentFailed, NothingToDo
from ci_ecs.model import DeploymentRecord, Status
from ci_ecs.output import Console
from ci_ecs.runner import Plan, run
from ci_ecs.settings import Settings
from ci_ecs.settings.services import ServiceEntry
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.several import rollback
from ci_ecs.strategies.state import unchanged_if
from ci_ecs.strategies.technique import Name, Technique
from tests.unit.strategies.several import test_compose as compose


class Fake(compose.Fake):
    """Each service's rollback plan by CodeDeploy: steps that log what they do.

    `fails`: the step that fails; `left`: services whose plan finds the pipeline's release not live;
    `back`: services already rolled back."""

    def __init__(self, fails: str = "", left: tuple[str, ...] = (), back: tuple[str, ...] = ()) -> None:
        super().__init__(fails)
        self.left, self.back = left, back

    def _rollback(self, ctx: Context, to: str | None) -> Plan:
        s = ctx.settings.service
        if s in self.left:
            raise NothingToDo(f"rollback: this pipeline's version v2 is not live on {s}")

        def record(status: Status, reason: str | None) -> DeploymentRecord:
            version = to or "v1"
            done = DeploymentRecord(
                "rollback",
                "codedeploy",
                s,
                "demo",
                version,
                f"arn:td/{s}:1",
                "v2",
                f"arn:td/{s}:2",
                status,
                reason,
            )
            return unchanged_if(s in self.back, done)

        steps = (
            self._step(s, "inspect", read_only=True),
            self._step(s, "start", undo=True),
            self._step(s, "shift"),
        )
        return Plan(f"roll {s} back by codedeploy", steps, record)

    def technique_of(self, settings: Settings) -> tuple[Name, Technique]:
        plans = Technique(lambda ctx: Plan("", ()), lambda ctx: Plan("", ()), self._rollback)
        return "codedeploy", plans


def _context() -> Context:
    services = (ServiceEntry("api"), ServiceEntry("web", after=("api",)), ServiceEntry("admin"))
    settings = Settings(cluster="demo", service="", services=services)
    out = io.StringIO()
    return Context(settings, None, Aws("us-east-1"), Console(out=out, err=out), {})


def test_every_service_is_inspected_first_then_each_goes_back_by_its_own_plan() -> None:
    fake = Fake()
    ctx = _context()

    plan = rollback.plan(ctx, None, fake.technique_of)
    run(plan, ctx.console)

    names = [step.name for step in plan.steps]
    assert names[:3] == ["api: inspect", "web: inspect", "admin: inspect"]
    assert names[4:] == [
        "roll back api by codedeploy",
        "roll back web by codedeploy",
        "roll back admin by codedeploy",
        "record the rollback in each service's tags",
    ]
    assert fake.log[3:] == [f"{s} {w}" for s in ("api", "web", "admin") for w in ("start", "shift")]
    assert plan.record is not None
    services = plan.record("success", None).details["services"]
    assert services == "; ".join(f"{s} v1 ({s}:1), rolled back from v2" for s in ("api", "web", "admin"))


def test_a_service_that_fails_to_go_back_is_put_back_the_others_still_go_back_and_stay() -> None:
    fake = Fake(fails="web shift")
    ctx = _context()
    plan = rollback.plan(ctx, None, fake.technique_of)

    with pytest.raises(DeploymentFailed, match=r"rollback failed for web: .* — api, admin went back"):
        run(plan, ctx.console)

    assert "admin shift" in fake.log  # after web failed
    assert [line for line in fake.log if " undo " in line] == ["web undo start"]  # web alone, at the end
    assert fake.log.index("admin shift") < fake.log.index("web undo start")
    assert plan.record is not None
    services = plan.record("failed", "web failed").details["services"]
    assert "api v1 (api:1), rolled back from v2" in services and "admin v1 (admin:1), rolled back" in services
    assert "web v2, not rolled back: web shift failed" in services


def test_a_service_whose_release_is_not_the_pipeline_s_is_left_alone() -> None:
    fake = Fake(left=("web",))
    ctx = _context()

    plan = rollback.plan(ctx, None, fake.technique_of)
    run(plan, ctx.console)

    assert not [line for line in fake.log if line.startswith("web ")]
    assert plan.record is not None
    services = plan.record("success", None).details["services"]
    assert "web left alone (rollback: this pipeline's version v2 is not live on web)" in services
    assert "api v1 (api:1), rolled back" in services


def test_nothing_to_roll_back_anywhere_exits_0_saying_why_for_each_service() -> None:
    fake = Fake(left=("api", "web", "admin"))

    with pytest.raises(NothingToDo, match=r"nothing to roll back — api: .*; web: .*; admin: "):
        rollback.plan(_context(), None, fake.technique_of)


def test_a_second_rollback_is_recorded_as_nothing_rolled_back() -> None:
    fake = Fake(back=("api", "web", "admin"))
    ctx = _context()

    plan = rollback.plan(ctx, None, fake.technique_of)
    run(plan, ctx.console)

    assert plan.record is not None
    record = plan.record("success", None)
    assert record.unchanged
    assert record.details["services"].count("already rolled back") == 3

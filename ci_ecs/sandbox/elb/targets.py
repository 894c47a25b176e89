"""ALB target health: initial → healthy/unhealthy, deregistered → draining → gone, unused when idle."""

from __future__ import annotations

from typing import Any

from moto.elbv2.exceptions import InvalidTargetError, TargetNotRunning
from moto.elbv2.models import FakeHealthStatus, elbv2_backends

from ci_ecs.sandbox.state import LOCK, PENDING_STATES, RUNTIME, TargetSim, target_sims, task_sim

# (state, reason code, description) as DescribeTargetHealth reports them.
REGISTERING = ("initial", "Elb.RegistrationInProgress", "Target registration is in progress")
CHECKING = ("initial", "Elb.InitialHealthChecking", "Initial health checks in progress")
HEALTHY = ("healthy", None, None)
BAD_CODE = ("unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [503]")
NO_ANSWER = ("unhealthy", "Target.FailedHealthChecks", "Health checks failed")
DRAINING = ("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress")
NOT_IN_USE = (
    "unused",
    "Target.NotInUse",
    "Target group is not configured to receive traffic from the load balancer",
)
NOT_REGISTERED = ("unused", "Target.NotRegistered", "Target is not registered to the target group")


def key_of(target_id: str, port: int) -> str:
    """The key of a target in `FakeTargetGroup.targets`: Id and port (moto's own key is Id only)."""
    return f"{target_id}:{port}"


def port_of(group: Any, target: dict[str, Any]) -> int:
    """The target's port, defaulting to the target group's."""
    return int(target.get("Port") or group.port or 0)


def find_key(group: Any, target: dict[str, Any]) -> str | None:
    """The registered key for a target given with or without a port."""
    if "Port" in target:
        key = key_of(target["Id"], port_of(group, target))
        return key if key in group.targets else None
    return next((k for k, t in group.targets.items() if t["Id"] == target["Id"]), None)


def _set(record: TargetSim, state: tuple[str, str | None, str | None]) -> None:
    record.state, record.reason, record.description = state
    record.since = RUNTIME.now


def register(self: Any, targets: list[dict[str, Any]]) -> None:
    """FakeTargetGroup.register: a (re-)registered target starts `initial`."""
    with LOCK:
        for target in targets:
            instance = self.ec2_backend.get_instance_by_id(target["Id"])
            if instance and instance.state != "running":
                raise TargetNotRunning(instance_id=target["Id"])
            port = port_of(self, target)
            key = key_of(target["Id"], port)
            self.targets[key] = {"Id": target["Id"], "Port": port}
            self.deregistered_targets.pop(key, None)
            records = target_sims(self)
            if key not in records or records[key].state == "draining":
                records[key] = TargetSim(target["Id"], port, REGISTERING[0], RUNTIME.now, *REGISTERING[1:])


def deregister(self: Any, targets: list[dict[str, Any]]) -> None:
    """FakeTargetGroup.deregister: the target drains for the deregistration delay, then goes."""
    with LOCK:
        for target in targets:
            key = find_key(self, target)
            if key is None:
                raise InvalidTargetError()
            drain(self, key)


def drain(group: Any, key: str) -> None:
    """Start draining one registered target (no-op if it already drains)."""
    record = target_sims(group).get(key)
    if record is not None and record.state == "draining":
        return
    if record is None or drain_ticks(group) == 0 or record.state == "unused":
        _remove(group, key)
    else:
        _set(record, DRAINING)


def _remove(group: Any, key: str) -> None:
    target = group.targets.pop(key, None)
    if target is not None:
        group.deregistered_targets[key] = target
    target_sims(group).pop(key, None)


def deregister_terminated_instances(self: Any, instance_ids: list[str]) -> None:
    """FakeTargetGroup.deregister_terminated_instances, for targets keyed by Id and port."""
    with LOCK:
        for key, target in list(self.targets.items()):
            if target["Id"] in instance_ids:
                self.terminated_targets[key] = self.targets.pop(key)
                target_sims(self).pop(key, None)


def health_for(self: Any, target: dict[str, Any], ec2_backend: Any) -> FakeHealthStatus:
    """FakeTargetGroup.health_for: the simulated state of one target."""
    with LOCK:
        key = find_key(self, target)
        if key is None:
            return FakeHealthStatus(
                target["Id"], str(port_of(self, target)), self.health_check_port, *NOT_REGISTERED
            )
        record = target_sims(self).get(key)
        registered = self.targets[key]
        if record is None:
            return FakeHealthStatus(registered["Id"], registered["Port"], self.health_check_port, "healthy")
        return FakeHealthStatus(
            record.target_id,
            str(record.port),
            self.health_check_port,
            record.state,
            record.reason,
            record.description,
        )


def drain_ticks(group: Any) -> int:
    """The deregistration delay in ticks: none when the target group's delay is 0 seconds.

    Under a time scale, the group's own delay (AWS default 300 s) scaled; otherwise DRAIN_TICKS.
    """
    delay = int(group.attributes.get("deregistration_delay.timeout_seconds", 300) or 0)
    config = RUNTIME.config
    if delay <= 0:
        return 0
    return config.ticks_for(delay) if config.time_scale else config.drain_ticks


def health_check_ticks(group: Any) -> tuple[int, int]:
    """Ticks until a new target turns healthy, and until a failing one turns unhealthy.

    Under a time scale from the group's own health check: one passing check (HealthCheckIntervalSeconds),
    or UnhealthyThresholdCount failed ones; otherwise HEALTHY_TICKS and UNHEALTHY_TICKS.
    """
    config = RUNTIME.config
    if not config.time_scale:
        return config.healthy_ticks, config.unhealthy_ticks
    interval = int(group.health_check_interval_seconds or 30)
    failures = int(group.unhealthy_threshold_count or 2)
    return config.ticks_for(interval), config.ticks_for(interval * failures)


def in_use(group: Any) -> bool:
    """Whether any listener rule of a load balancer forwards to the target group."""
    backend = elbv2_backends[group.account_id][group.region_name]
    for balancer in list(backend.load_balancers.values()):
        for listener in list(balancer.listeners.values()):
            actions = list(listener.default_actions)
            for rule in list(listener.rules.values()):
                actions.extend(rule.actions)
            for action in actions:
                if group.arn in backend._get_target_group_arns_from(action_data=action.data):
                    return True
    return False


def find_group(account_id: str, region: str, arn: str) -> Any:
    """A moto FakeTargetGroup by ARN, or None."""
    return elbv2_backends[account_id][region].target_groups.get(arn)


def record_of(group: Any, target_id: str, port: int) -> TargetSim | None:
    """The simulated health record of a target, None when it is not registered."""
    return target_sims(group).get(key_of(target_id, port))


def state_of(group: Any, target_id: str, port: int) -> str | None:
    """The simulated state of a target, None when it is not registered."""
    record = record_of(group, target_id, port)
    return record.state if record is not None else None


def _liveness(task: Any) -> str:
    """`up`, `starting`, or `down` for the task whose IP a target is."""
    if task.desired_status == "RUNNING" and task.last_status == "RUNNING":
        return "up"
    if task.desired_status == "RUNNING" and task.last_status in PENDING_STATES:
        return "starting"
    return "down"


def step(tasks_by_ip: dict[tuple[str, str, str], Any]) -> None:
    """Advance every target's health by one tick; a target's health follows the task whose IP it is."""
    for account in list(elbv2_backends.values()):
        for backend in list(account.values()):
            for group in list(backend.target_groups.values()):
                records = target_sims(group)
                if not records:
                    continue
                used = in_use(group)
                healthy_ticks, unhealthy_ticks = health_check_ticks(group)
                for key, record in list(records.items()):
                    age = RUNTIME.now - record.since
                    task = tasks_by_ip.get((group.account_id, group.region_name, record.target_id))
                    if record.state == "draining":
                        if age >= drain_ticks(group):
                            _remove(group, key)
                    elif not used:
                        if record.state != "unused":
                            _set(record, NOT_IN_USE)
                    elif record.state == "unused":
                        _set(record, REGISTERING)
                    elif record.state == "initial":
                        _check_initial(record, age, task, healthy_ticks, unhealthy_ticks)
                    elif record.state == "healthy" and task is not None and _liveness(task) == "down":
                        _set(record, NO_ANSWER)


def _check_initial(record: TargetSim, age: int, task: Any, healthy_ticks: int, unhealthy_ticks: int) -> None:
    """Initial health checks: pass after `healthy_ticks`, or fail (an `-unhealthy` image, a dead task)."""
    liveness = _liveness(task) if task is not None else "up"
    if liveness == "starting":
        record.since = RUNTIME.now  # no answer yet; the health check clock starts when the app runs
        return
    if liveness == "down":
        _set(record, NO_ANSWER)
        return
    sim = task_sim(task) if task is not None else None
    sick = sim is not None and sim.behaviour.unhealthy
    crashing = sim is not None and sim.behaviour.crash  # it dies starting up, before it ever answers
    if sick and age >= unhealthy_ticks:
        _set(record, BAD_CODE)
    elif not sick and not crashing and age >= healthy_ticks:
        _set(record, HEALTHY)
    elif age >= 1 and record.reason == REGISTERING[1]:
        record.reason, record.description = CHECKING[1], CHECKING[2]

"""Task lifecycle: PROVISIONING → PENDING → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED."""

from __future__ import annotations

from typing import Any

from moto.core.utils import utcnow

from ci_ecs.sandbox import behaviour
from ci_ecs.sandbox.ecs import events, logs, network, one_off
from ci_ecs.sandbox.elb import targets
from ci_ecs.sandbox.state import PENDING_STATES, RUNTIME, TaskSim, attach_task, task_sim

FARGATE_PLATFORM = "1.4.0"


def adopt(
    task: Any,
    task_definition: Any,
    *,
    service: Any = None,
    deployment_id: str | None = None,
    load_balancers: list[dict[str, Any]] | None = None,
    task_set: Any = None,
) -> None:
    """Take a freshly made moto Task over: PROVISIONING, with an IP inside its subnet."""
    placed = network.place(task)
    ip, zone = placed if placed else ("", None)
    sim = TaskSim(behaviour.of_task_definition(task_definition), ip, RUNTIME.now, service, deployment_id)
    sim.version = behaviour.version_of(task_definition)
    sim.health_checked = behaviour.health_checked(task_definition)
    sim.task_set, sim.load_balancers = task_set, load_balancers
    sim.logs = logs.streams_of(task, task_definition)
    if service is None and task_set is None:
        sim.command = one_off.command_of(task, task_definition)
    mine = load_balancers if load_balancers is not None else (service.load_balancers if service else [])
    port = next((lb["containerPort"] for lb in mine if lb.get("containerPort")), None)
    sim.container_port = int(port) if port else None
    attach_task(task, sim)
    task.last_status = "PROVISIONING"
    task.desired_status = "RUNNING"
    task.created_at = utcnow()
    task.availability_zone = zone
    task.cpu, task.memory = task_definition.cpu, task_definition.memory
    task.health_status = "UNKNOWN"
    task.platform_family = "Linux"
    task.version = 1
    if (task.launch_type == "FARGATE" or not task.container_instance_arn) and task.platform_version in (
        None,
        "LATEST",
    ):
        task.platform_version = FARGATE_PLATFORM
    network.set_attachment_status(task, "PRECREATED")
    attachment_id = task.attachments[0]["id"] if task.attachments else None
    for container in task.containers:
        container.last_status = "PENDING"
        container.exitCode = None
        container.health_status = "UNKNOWN"
        container.image_digest = behaviour.digest_of(str(container.image or ""))  # ECS pins the digest
        if ip:
            container.network_interfaces = [{"attachmentId": attachment_id, "privateIpv4Address": ip}]


def _enter(task: Any, status: str) -> None:
    task.last_status = status
    task.version = int(getattr(task, "version", 1)) + 1
    sim = task_sim(task)
    if sim is not None:
        sim.since = RUNTIME.now


def advance(task: Any) -> None:
    """Move a simulated task one tick along its lifecycle."""
    sim = task_sim(task)
    if sim is None or task.last_status == "STOPPED":
        return
    config, age = RUNTIME.config, RUNTIME.now - sim.since
    if task.desired_status == "STOPPED":
        _advance_stopping(task, sim, age)
    elif task.last_status == "PROVISIONING" and age >= config.provisioning_ticks:
        _enter(task, "PENDING")
        network.set_attachment_status(task, "ATTACHED")
        task.pull_started_at = utcnow()
    elif task.last_status == "PENDING":
        if age >= (config.slow_pending_ticks if sim.behaviour.slow else config.pending_ticks):
            _start(task, sim)
    elif task.last_status == "RUNNING" and sim.command is not None:
        if one_off.done(sim, age):
            one_off.finish(task, sim)
            begin_stop(task, "Essential container in task exited", "EssentialContainerExited", exited=True)
    elif task.last_status == "RUNNING" and sim.behaviour.crash and age >= config.crash_ticks:
        # The essential container exits: ECS stops the task (stopCode EssentialContainerExited).
        logs.crashed(sim.logs)
        for container in task.containers:
            container.exitCode, container.last_status = 1, "STOPPED"
        sim.failed = True
        begin_stop(task, "Essential container in task exited", "EssentialContainerExited", exited=True)


def _start(task: Any, sim: TaskSim) -> None:
    _enter(task, "RUNNING")
    now = utcnow()
    task.pull_stopped_at = task.started_at = task.connectivity_at = now
    task.connectivity = "CONNECTED"
    for container in task.containers:
        container.last_status = "RUNNING"
    if sim.command is not None:
        one_off.started(sim)
    else:
        logs.started(sim.logs, sim.version, sim.container_port, listens=not sim.behaviour.crash)
    service = sim.service
    if service is None or not sim.ip:
        return
    for lb in load_balancers_of(sim):
        group = targets.find_group(task._account_id, task.region_name, lb.get("targetGroupArn", ""))
        if group is None or not lb.get("containerPort"):
            continue
        port = int(lb["containerPort"])
        targets.register(group, [{"Id": sim.ip, "Port": port}])
        sim.targets.append((group.arn, targets.key_of(sim.ip, port)))
        events.add(service, f"registered 1 targets in (target-group {group.arn})", task_set_id(sim))


def load_balancers_of(sim: TaskSim) -> list[dict[str, Any]]:
    """Where ECS registers the task: its task set's load balancers, else its service's."""
    if sim.load_balancers is not None:
        return sim.load_balancers
    return list(sim.service.load_balancers) if sim.service is not None else []


def deployment_of(task: Any) -> str | None:
    """The id of the deployment (or task set) that started the task."""
    sim = task_sim(task)
    return sim.deployment_id if sim is not None else None


def scale_in_order(tasks: list[Any]) -> list[Any]:
    """Tasks in the order ECS scales them in: not yet running first, then the newest."""

    def since(task: Any) -> int:
        sim = task_sim(task)
        return sim.since if sim is not None else 0

    return sorted(tasks, key=lambda t: (t.last_status == "RUNNING", -since(t)))


def task_set_id(sim: TaskSim) -> str | None:
    """The id of the task set the task belongs to, if any."""
    return str(sim.task_set.id) if sim.task_set is not None else None


def _advance_stopping(task: Any, sim: TaskSim, age: int) -> None:
    ticks = RUNTIME.config.stopping_ticks
    if task.last_status == "DEACTIVATING":
        if not still_registered(task):
            if sim.service is not None:
                for arn, _ in sim.targets:
                    message = f"deregistered 1 targets in (target-group {arn})"
                    events.add(sim.service, message, task_set_id(sim))
            _enter(task, "STOPPING")
    elif task.last_status == "STOPPING" and age >= ticks:
        _enter(task, "DEPROVISIONING")
    elif task.last_status == "DEPROVISIONING" and age >= ticks:
        _enter(task, "STOPPED")
        task.stopped_at = task.execution_stopped_at = utcnow()
        for container in task.containers:
            container.last_status = "STOPPED"
            if container.exitCode is None:
                container.exitCode = 0
        network.set_attachment_status(task, "DELETED")
        network.release(task)
    elif task.last_status in (*PENDING_STATES, "RUNNING"):
        _enter(task, "STOPPING")


def still_registered(task: Any) -> bool:
    """Whether any target the scheduler registered for the task is still in its target group."""
    sim = task_sim(task)
    for arn, key in sim.targets if sim else []:
        group = targets.find_group(task._account_id, task.region_name, arn)
        if group is not None and key in group.targets:
            return True
    return False


def begin_stop(task: Any, reason: str, code: str, *, exited: bool = False) -> bool:
    """Ask a task to stop: its targets drain first (DEACTIVATING) unless its container already exited."""
    sim = task_sim(task)
    if sim is None or task.desired_status == "STOPPED":
        return False
    task.desired_status = "STOPPED"
    task.stopped_reason, task.stop_code, task.stopping_at = reason, code, utcnow()
    for arn, key in sim.targets:
        group = targets.find_group(task._account_id, task.region_name, arn)
        if group is not None and key in group.targets:
            targets.drain(group, key)
    if task.last_status == "RUNNING" and not exited and still_registered(task):
        _enter(task, "DEACTIVATING")
    elif task.last_status != "STOPPED":
        _enter(task, "STOPPING")
    return True

"""The statements for what the jobs lock, look up, register, run and tag in ECS, and the roles they pass."""

from __future__ import annotations

from ci_ecs.iam_policy.target import ALL, Statement, Target, Technique, names, passed_to, statement
from ci_ecs.release import is_ecr
from ci_ecs.settings import Settings

_PUSH = (
    "BatchCheckLayerAvailability",
    "InitiateLayerUpload",
    "UploadLayerPart",
    "CompleteLayerUpload",
    "PutImage",
)
_PULL = ("BatchGetImage", "GetDownloadUrlForLayer")
# The actions on the service(s) each technique changes, beyond reading and tagging them.
_SERVICE_CHANGES: dict[Technique, tuple[str, ...]] = {
    "rolling": ("UpdateService",),
    "task": ("UpdateService",),
    "service": ("UpdateService", "CreateService"),
    "taskset": ("UpdateServicePrimaryTaskSet",),
    "codedeploy": (),
    "switch": ("UpdateService", "CreateService", "DeleteService"),
    "native": ("UpdateService", "ListServiceDeployments"),
}
# ECS-native deployments: each action needs both the service and the deployment (or revision) named.
_DEPLOYMENTS = ("DescribeServiceDeployments", "StopServiceDeployment", "ContinueServiceDeployment")
_LOG_STREAMS = "arn:{t.partition}:logs:*:{t.account}:log-group:*:log-stream:*"
_LOG_GROUPS = "arn:{t.partition}:logs:*:{t.account}:log-group:*"


def lock(settings: Settings, target: Target) -> list[Statement]:
    """The job's lock: its DynamoDB table, made (and tagged) on first use."""
    actions = [
        "CreateTable",
        "TagResource",
        "DescribeTable",
        "PutItem",
        "GetItem",
        "UpdateItem",
        "DeleteItem",
    ]
    table = target.arn("dynamodb", f"table/{settings.lock.table}")
    return [statement("JobLock", [f"dynamodb:{a}" for a in actions], [table])]


def image(settings: Settings, target: Target, *, build: bool) -> list[Statement]:
    """The ECR repository of `image`: its digests, and with `build` the login and the push."""
    ecr = is_ecr(settings.image) if settings.image else None
    if ecr is None:
        return []
    account, region, name = ecr
    repository = f"arn:{target.partition}:ecr:{region}:{account}:repository/{name}"
    found = [statement("FindImage", ["ecr:DescribeImages"], [repository])]
    if build:
        found.append(statement("EcrLogin", ["ecr:GetAuthorizationToken"], [ALL]))
        found.append(statement("PushImage", [f"ecr:{a}" for a in _PUSH + _PULL], [repository]))
    return found


def task_definitions(target: Target) -> list[Statement]:
    """Reading revisions, registering the family's new ones, and the tags they are registered with."""
    family = target.arn("ecs", f"task-definition/{target.family}:*")
    tag_on_create = {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}
    return [
        statement("ReadTaskDefinitions", ["ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions"], [ALL]),
        statement("RegisterRevisions", ["ecs:RegisterTaskDefinition"], [family]),
        statement("TagNewRevisions", ["ecs:TagResource"], [family], tag_on_create),
    ]


def services(settings: Settings, technique: Technique, target: Target) -> list[Statement]:
    """The service (switch: each version's `<service>-*`; service canary: also the canary service)."""
    cluster, service = names(settings)
    named = {"switch": [f"{service}-*"], "service": [service, settings.canary.service or f"{service}-canary"]}
    arns = [target.arn("ecs", f"service/{cluster}/{name}") for name in named.get(technique, [service])]
    actions = ["DescribeServices", "TagResource", "UntagResource", *_SERVICE_CHANGES[technique]]
    found = [statement("Services", [f"ecs:{a}" for a in actions], arns)]
    if technique == "switch":
        # Versions are found by their tags: every service the cluster lists is described.
        found.append(statement("ListServices", ["ecs:ListServices"], [ALL], target.in_cluster(cluster)))
        every = target.arn("ecs", f"service/{cluster}/*")
        found.append(statement("DescribeClusterServices", ["ecs:DescribeServices"], [every]))
    if technique == "native":
        deployments = target.arn("ecs", f"service-deployment/{cluster}/{service}/*")
        revisions = target.arn("ecs", f"service-revision/{cluster}/{service}/*")
        found.append(
            statement("ServiceDeployments", [f"ecs:{a}" for a in _DEPLOYMENTS], [arns[0], deployments])
        )
        found.append(statement("ServiceRevisions", ["ecs:DescribeServiceRevisions"], [arns[0], revisions]))
    return found


def tasks(settings: Settings, technique: Technique, target: Target) -> list[Statement]:
    """The cluster's tasks (why new ones stopped, their logs; canaries), an EXTERNAL service's task sets."""
    cluster, service = names(settings)
    watch = ["ecs:DescribeTasks", *(["ecs:StopTask"] if technique == "task" else [])]
    found = [
        statement("ListTasks", ["ecs:ListTasks"], [ALL], target.in_cluster(cluster)),
        statement("Tasks", watch, [target.arn("ecs", f"task/{cluster}/*")]),
        # A failed deployment prints its crashed containers' last log lines (awslogs, in any region).
        statement("ReadContainerLogs", ["logs:GetLogEvents"], [_LOG_STREAMS.format(t=target)]),
        # The preflight checks that the task definition's awslogs groups exist.
        statement("FindLogGroups", ["logs:DescribeLogGroups"], [_LOG_GROUPS.format(t=target)]),
    ]
    if technique == "task":
        family = target.arn("ecs", f"task-definition/{target.family}:*")
        found.append(statement("RunCanaryTasks", ["ecs:RunTask"], [family], target.in_cluster(cluster)))
    if technique == "taskset":
        task_sets = target.arn("ecs", f"task-set/{cluster}/{service}/*")
        actions = ["ecs:CreateTaskSet", "ecs:DeleteTaskSet", "ecs:DescribeTaskSets"]
        found.append(statement("TaskSets", actions, [task_sets]))
    return found


def one_off_tasks(settings: Settings, target: Target) -> list[Statement]:
    """`ci-ecs run`: its task of the family's revisions in the cluster, followed, and stopped on timeout."""
    cluster, _ = names(settings)
    family = target.arn("ecs", f"task-definition/{target.family}:*")
    tasks = target.arn("ecs", f"task/{cluster}/*")
    return [
        statement("RunOneOffTasks", ["ecs:RunTask"], [family], target.in_cluster(cluster)),
        statement("OneOffTasks", ["ecs:DescribeTasks", "ecs:StopTask"], [tasks]),
    ]


def passed_roles(technique: Technique, target: Target) -> list[Statement]:
    """Passing the task definition's roles to ECS tasks, and (native) the service's hook roles to ECS."""
    found = []
    if target.task_roles:
        roles = list(target.task_roles)
        found.append(
            statement("PassTaskRoles", ["iam:PassRole"], roles, passed_to("ecs-tasks.amazonaws.com"))
        )
        found.append(statement("ReadTaskRoles", ["iam:GetRole"], roles))  # the preflight: they exist
    if technique == "native" and target.hook_roles:
        roles = list(target.hook_roles)
        found.append(statement("PassHookRoles", ["iam:PassRole"], roles, passed_to("ecs.amazonaws.com")))
    return found

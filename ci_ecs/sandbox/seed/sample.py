"""The seeded sample environment, and the shell exports and ci-ecs configs that point at it."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from ci_ecs.sandbox.seed import many_sample, review_sample
from ci_ecs.sandbox.seed.native_sample import NativeSample, config_lines

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
ACCESS_KEY = "testing"
CONFIG = "ci-ecs.yml"
CODEDEPLOY_CONFIG = "ci-ecs-codedeploy.yml"
SWITCH_CONFIG = "ci-ecs-switch.yml"
ROUTES_CONFIG = "ci-ecs-switch-routes.yml"


@dataclass(frozen=True)
class Sample:
    """The sample environment `start(seed=True)` creates: Fargate services `web` (rolling), `web-ext`
    (EXTERNAL), `web-bg` (CODE_DEPLOY), `web-sw-v1` (switch), `web-dual-v1` (switch behind two load
    balancers) and `web-native-blue-green`, `web-native-linear`, `web-native-canary` (ECS-native
    strategies, `native`)."""

    region: str
    account_id: str
    cluster: str
    service: str
    container: str
    container_port: int
    repository: str
    images: dict[str, str] = field(hash=False)
    task_family: str
    target_group_arn: str
    load_balancer_arn: str
    listener_arn: str
    url: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    # The EXTERNAL-controller service (task sets) and its weighted listener rule (taskset mode).
    external_service: str = ""
    external_task_family: str = ""
    primary_task_set_arn: str = ""
    primary_target_group_arn: str = ""
    canary_target_group_arn: str = ""
    listener_rule_arn: str = ""
    # The CODE_DEPLOY service (codedeploy strategy): blue serves production and test at first.
    codedeploy_service: str = ""
    codedeploy_task_family: str = ""
    codedeploy_role_arn: str = ""
    blue_target_group_arn: str = ""
    green_target_group_arn: str = ""
    production_listener_arn: str = ""
    test_listener_arn: str = ""
    # The switch setup: service `<prefix>-v1` behind a public and a preparing listener rule.
    switch_service: str = ""
    switch_prefix: str = ""
    switch_target_group_arn: str = ""
    switch_listener_arn: str = ""
    public_rule_arn: str = ""
    preparing_rule_arn: str = ""
    # The switch setup behind two load balancers: (public rule, preparing rule, name prefix) for each.
    dual_service: str = ""
    dual_base: str = ""
    dual_routes: tuple[tuple[str, str, str], ...] = ()
    # The ECS-native BLUE_GREEN, LINEAR and CANARY services, in that order.
    native: tuple[NativeSample, ...] = ()
    # Where shop-web, shop-worker and shop-scheduler run again, the same way ("": seeded in one region).
    second_region: str = ""


def environment(endpoint: str, region: str) -> dict[str, str]:
    """The variables that point boto3, the aws CLI and ci-ecs at the sandbox."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": ACCESS_KEY,
    }


def exports(variables: dict[str, str]) -> str:
    """`export K=V` lines for a POSIX shell."""
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in variables.items())


def config_text(sample: Sample, endpoint: str) -> str:
    """A ready ci-ecs.yml for the sample service, with a header saying what to export."""
    return _config(CONFIG, sample, endpoint, sample.service, [])


ANALYSIS_CONFIG = "ci-ecs-analysis.yml"  # the taskset canary, walked in steps and analysed


def config_files(sample: Sample, endpoint: str) -> dict[str, str]:
    """ci-ecs.yml, and one config per canary mode: file name → text."""
    return {
        CONFIG: config_text(sample, endpoint),
        "ci-ecs-task.yml": _config(
            "ci-ecs-task.yml", sample, endpoint, sample.service, ["  mode: task", "  count: 1"]
        ),
        "ci-ecs-service.yml": _config(
            "ci-ecs-service.yml", sample, endpoint, sample.service, ["  mode: service", "  count: 1"]
        ),
        "ci-ecs-taskset.yml": _config(
            "ci-ecs-taskset.yml",
            sample,
            endpoint,
            sample.external_service,
            [
                "  mode: taskset",
                "  scale: 34           # percent of desired",
                "  weight: 10",
                f"  target_group: {sample.canary_target_group_arn}",
                f"  listener_rules: [{sample.listener_rule_arn}]",
            ],
        ),
        ANALYSIS_CONFIG: _config(
            ANALYSIS_CONFIG,
            sample,
            endpoint,
            sample.external_service,
            [
                "  mode: taskset",
                "  scale: 34           # percent of desired",
                "  steps: [10, 50]     # percent of the rule's traffic, analysed at each",
                f"  target_group: {sample.canary_target_group_arn}",
                f"  listener_rules: [{sample.listener_rule_arn}]",
            ],
            [
                "analysis:",
                "  error_rate: 1        # % of the canary's requests its targets answer 5XX, at most",
                "  p99_latency: 800ms",
                "  interval: 1s         # on AWS 1m or more: load balancer metrics are per minute",
                "  count: 3             # intervals at each step",
                "  delay: 1s            # on AWS keep the default 1m, until the metrics are complete",
                "  min_requests: 20",
            ],
        ),
        CODEDEPLOY_CONFIG: _config(
            CODEDEPLOY_CONFIG,
            sample,
            endpoint,
            sample.codedeploy_service,
            [],
            [
                "strategy: codedeploy",
                "codedeploy:",
                f"  service_role: {sample.codedeploy_role_arn}",
                f"  target_groups: [{sample.blue_target_group_arn}, {sample.green_target_group_arn}]",
                f"  production_listener: {sample.production_listener_arn}",
                f"  test_listener: {sample.test_listener_arn}",
                "  termination_wait: 2    # seconds; CodeDeploy rounds up to whole (sandbox-short) minutes",
                "  ready_wait: 3600       # a sandbox minute is minute_ticks ticks (1 s at the default tick)",
            ],
        ),
        SWITCH_CONFIG: _config(
            SWITCH_CONFIG,
            sample,
            endpoint,
            sample.switch_prefix,
            [],
            [
                "strategy: switch",
                "switch:",
                f"  public_rule: {sample.public_rule_arn}",
                f"  preparing_rule: {sample.preparing_rule_arn}",
                f"  name_prefix: {sample.switch_prefix}",
                "  min_healthy: 2",
                "  overlap: 2         # seconds",
            ],
        ),
        ROUTES_CONFIG: _config(
            ROUTES_CONFIG,
            sample,
            endpoint,
            sample.dual_base,
            [],
            [
                "strategy: switch",
                "switch:",
                "  routes:            # one per load balancer of the service, in their order",
                *(
                    line
                    for public, preparing, prefix in sample.dual_routes
                    for line in (
                        f"    - public_rule: {public}",
                        f"      preparing_rule: {preparing}",
                        f"      name_prefix: {prefix}",
                    )
                ),
                "  min_healthy: 2",
                "  overlap: 2         # seconds",
            ],
        ),
        review_sample.REVIEW_CONFIG: _config(
            review_sample.REVIEW_CONFIG,
            sample,
            endpoint,
            sample.service,
            [],
            review_sample.config_lines(sample.listener_arn),
        ),
        many_sample.CONFIG: _config(
            many_sample.CONFIG, sample, endpoint, "", [], many_sample.config_lines(sample.second_region)
        ),
        **(
            {
                many_sample.REGIONS_CONFIG: _config(
                    many_sample.REGIONS_CONFIG,
                    sample,
                    endpoint,
                    "",
                    [],
                    many_sample.regions_lines(sample.second_region),
                )
            }
            if sample.second_region
            else {}
        ),
        **{
            n.config: _config(n.config, sample, endpoint, n.service, [], config_lines(n), sample.container)
            for n in sample.native
        },
    }


def _config(
    name: str,
    sample: Sample,
    endpoint: str,
    service: str,
    canary: list[str],
    extra: list[str] | None = None,
    container: str | None = None,
) -> str:
    lines = [
        f"# {name} for the ci-ecs sandbox (a rehearsal AWS; nothing here touches real AWS).",
        f"# The sandbox listens on {endpoint}; before running ci-ecs, export:",
        *(f"#   {line}" for line in exports(environment(endpoint, sample.region)).splitlines()),
        f"# Image tags in its ECR repository: {', '.join(sample.images)}",
        f"region: {sample.region}",
        f"cluster: {sample.cluster}",
        *([f"service: {service}"] if service else []),
        *([f"container: {container}"] if container else []),
        f"image: {sample.repository}",
        *(["canary:", *canary] if canary else []),
        *(extra or []),
        "wait:",
        "  poll_first: 1      # seconds",
        "  poll_cap: 2",
        "  timeout: 120",
    ]
    return "\n".join(lines) + "\n"

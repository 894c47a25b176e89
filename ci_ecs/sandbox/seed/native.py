"""The sample's ECS-native side: `web-native-blue-green` (BLUE_GREEN), `web-native-linear` (LINEAR) and
`web-native-canary` (CANARY).

Each has two target groups (`<service>-blue` serving, `<service>-green` alternate), a production rule on
the :8100 listener and a test rule on the :8101 listener (by host `<service>.native.test`, both
forwarding 100:0 to blue and green), the `advancedConfiguration` naming them and the IAM role
`ci-ecs-ecs-infrastructure`, and a CloudWatch alarm `<service>-5xx` (OK) named in its
deploymentConfiguration (rollback on), with the circuit breaker on.
"""

from __future__ import annotations

from typing import Any

from ci_ecs.sandbox.seed import bluegreen
from ci_ecs.sandbox.seed.load_balancers import listener, target_group
from ci_ecs.sandbox.seed.native_sample import BAKE_MINUTES, CANARY, LINEAR, SERVICES, NativeSample
from ci_ecs.sandbox.seed.network import Network

PROD_PORT, TEST_PORT = 8100, 8101
ROLE = "ci-ecs-ecs-infrastructure"
NOT_FOUND = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]


def native(clients: dict[str, Any], network: Network, balancer: str, uri: str) -> tuple[NativeSample, ...]:
    """The three services (2 tasks on v1 each) and what they need; their first deployments start."""
    elbv2 = clients["elbv2"]
    trust = bluegreen.trust("ecs.amazonaws.com")
    role = clients["iam"].create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    prod = listener(elbv2, balancer, PROD_PORT, NOT_FOUND)
    test = listener(elbv2, balancer, TEST_PORT, NOT_FOUND)
    found = []
    for i, (name, strategy, native_type, config) in enumerate(SERVICES):
        blue = target_group(elbv2, f"{name}-blue", network.vpc)
        green = target_group(elbv2, f"{name}-green", network.vpc)
        rules = [_rule(elbv2, arn, 10 * (i + 1), f"{name}.native.test", blue, green) for arn in (prod, test)]
        alarm = _alarm(clients["cloudwatch"], name, balancer)
        _service(clients, network, uri, name, strategy, alarm, role, (blue, green, rules[0], rules[1]))
        found.append(
            NativeSample(
                service=name,
                strategy=strategy,
                native_type=native_type,
                config=config,
                task_family=name,
                blue_target_group_arn=blue,
                green_target_group_arn=green,
                production_listener_arn=prod,
                test_listener_arn=test,
                production_rule_arn=rules[0],
                test_rule_arn=rules[1],
                alarm=alarm,
                role_arn=role,
            )
        )
    return tuple(found)


def _rule(elbv2: Any, listener_arn: str, priority: int, host: str, blue: str, green: str) -> str:
    groups = [{"TargetGroupArn": blue, "Weight": 100}, {"TargetGroupArn": green, "Weight": 0}]
    arn: str = elbv2.create_rule(
        ListenerArn=listener_arn,
        Priority=priority,
        Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
        Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}],
    )["Rules"][0]["RuleArn"]
    return arn


def _alarm(cloudwatch: Any, name: str, balancer: str) -> str:
    """`<service>-5xx`: target 5XX answers on the demo load balancer (moto keeps it OK until set)."""
    alarm = f"{name}-5xx"
    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Dimensions=[{"Name": "LoadBalancer", "Value": balancer.split(":loadbalancer/")[-1]}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    return alarm


def _service(
    clients: dict[str, Any],
    network: Network,
    uri: str,
    name: str,
    strategy: str,
    alarm: str,
    role: str,
    route: tuple[str, str, str, str],
) -> None:
    blue, green, production_rule, test_rule = route
    configuration: dict[str, Any] = {
        "strategy": strategy,
        "bakeTimeInMinutes": BAKE_MINUTES,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "alarms": {"alarmNames": [alarm], "enable": True, "rollback": True},
    }
    if strategy == "LINEAR":
        configuration["linearConfiguration"] = dict(LINEAR)
    if strategy == "CANARY":
        configuration["canaryConfiguration"] = dict(CANARY)
    advanced = {
        "alternateTargetGroupArn": green,
        "productionListenerRule": production_rule,
        "testListenerRule": test_rule,
        "roleArn": role,
    }
    bluegreen.service(
        clients,
        name,
        name,
        f"{uri}:v1",
        network,
        [blue],
        advanced,
        deploymentController={"type": "ECS"},
        deploymentConfiguration=configuration,
        healthCheckGracePeriodSeconds=0,
    )

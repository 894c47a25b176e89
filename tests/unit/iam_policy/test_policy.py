"""The statements of each technique's policy: actions, the resources they are held to, conditions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_ecs import iam_policy
from ci_ecs.errors import ConfigError
from ci_ecs.iam_policy import NO_RESOURCE_LEVEL, TECHNIQUES, Target, Technique
from ci_ecs.settings import Settings, load_settings

ACCOUNT = "123456789012"
ROLES = (f"arn:aws:iam::{ACCOUNT}:role/web-task", f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole")
GROUP = f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:targetgroup/web/50dc6c495c0c9188"
LISTENER = (
    f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:listener/app/site/50dc6c495c0c9188/f2f7dc8efc522ab2"
)
RULE = LISTENER.replace(":listener/", ":listener-rule/") + "/1a"
PREPARING = RULE[:-2] + "2b"
HOOK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecs-hooks"
WHERE = Target("aws", "eu-west-1", ACCOUNT, "web", ROLES, (GROUP,), (HOOK_ROLE,))
BASE = (
    f"region: eu-west-1\ncluster: prod\nservice: web\nimage: {ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/web\n"
)
CONFIGS: dict[Technique, str] = {
    "rolling": "",
    "task": "canary:\n  mode: task\n",
    "service": "canary:\n  mode: service\n",
    "taskset": f"canary:\n  mode: taskset\n  target_group: {GROUP}\n  listener_rules: [{RULE}]\n",
    "codedeploy": f"strategy: codedeploy\ncodedeploy:\n  service_role: arn:aws:iam::{ACCOUNT}:role/cd\n",
    "switch": (
        f"strategy: switch\nswitch:\n  public_rule: {RULE}\n  preparing_rule: {PREPARING}\n"
        "  name_prefix: web\n"
    ),
    "native": "strategy: native\nnative:\n  type: canary\n",
}


def _settings(tmp_path: Path, technique: Technique) -> Settings:
    config = tmp_path / "ci-ecs.yml"
    config.write_text(BASE + CONFIGS[technique])
    return load_settings(config, environment=None, env={}, flags={})


def _policy(tmp_path: Path, technique: Technique, *, build: bool = False) -> dict[str, Any]:
    return iam_policy.policy(_settings(tmp_path, technique), technique, WHERE, build=build)


def _by_sid(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in policy["Statement"]}


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_the_configured_strategy_and_canary_mode_choose_the_technique(
    tmp_path: Path, technique: Technique
) -> None:
    assert iam_policy.technique_of(_settings(tmp_path, technique)) == technique


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_no_action_is_a_wildcard_and_only_actions_without_a_resource_type_get_every_resource(
    tmp_path: Path, technique: Technique
) -> None:
    policy = _policy(tmp_path, technique, build=True)
    assert policy["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(sids) == len(set(sids))
    for s in policy["Statement"]:
        assert s["Effect"] == "Allow" and s["Resource"], s
        assert all("*" not in action for action in s["Action"]), s
        if "*" in s["Resource"]:
            assert s["Resource"] == ["*"] and set(s["Action"]) <= set(NO_RESOURCE_LEVEL), s


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_every_technique_locks_registers_the_family_and_passes_only_the_task_roles(
    tmp_path: Path, technique: Technique
) -> None:
    s = _by_sid(_policy(tmp_path, technique))
    assert s["JobLock"]["Resource"] == [f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/ci-ecs-locks"]
    assert s["RegisterRevisions"]["Resource"] == [f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task-definition/web:*"]
    assert s["PassTaskRoles"]["Resource"] == list(ROLES)
    assert s["PassTaskRoles"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    assert s["FindImage"]["Resource"] == [f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/web"]
    assert "EcrLogin" not in s and "PushImage" not in s
    assert ("PassHookRoles" in s) == (technique == "native")


def test_build_adds_the_ecr_login_and_the_push_to_the_repository_only(tmp_path: Path) -> None:
    s = _by_sid(_policy(tmp_path, "rolling", build=True))
    assert s["EcrLogin"] == {
        "Sid": "EcrLogin",
        "Effect": "Allow",
        "Action": ["ecr:GetAuthorizationToken"],
        "Resource": ["*"],
    }
    assert "ecr:PutImage" in s["PushImage"]["Action"]
    assert s["PushImage"]["Resource"] == [f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/web"]


def test_a_task_canary_registers_targets_in_the_service_target_groups_and_runs_the_family(
    tmp_path: Path,
) -> None:
    s = _by_sid(_policy(tmp_path, "task"))
    assert s["CanaryTargets"]["Resource"] == [GROUP]
    assert s["RunCanaryTasks"]["Resource"] == [f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task-definition/web:*"]
    assert s["RunCanaryTasks"]["Condition"] == {
        "ArnEquals": {"ecs:cluster": f"arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/prod"}
    }
    assert "ecs:StopTask" in s["Tasks"]["Action"]


def test_a_service_canary_may_create_and_update_the_canary_service(tmp_path: Path) -> None:
    s = _by_sid(_policy(tmp_path, "service"))
    assert s["Services"]["Resource"] == [
        f"arn:aws:ecs:eu-west-1:{ACCOUNT}:service/prod/web",
        f"arn:aws:ecs:eu-west-1:{ACCOUNT}:service/prod/web-canary",
    ]
    assert {"ecs:CreateService", "ecs:UpdateService"} <= set(s["Services"]["Action"])


def test_task_sets_and_the_listener_rules_weights(tmp_path: Path) -> None:
    s = _by_sid(_policy(tmp_path, "taskset"))
    assert s["TaskSets"]["Resource"] == [f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task-set/prod/web/*"]
    assert s["MoveRuleTraffic"] == {
        "Sid": "MoveRuleTraffic",
        "Effect": "Allow",
        "Action": ["elasticloadbalancing:ModifyRule"],
        "Resource": [RULE],
    }
    assert "ecs:UpdateService" not in s["Services"]["Action"]


def test_codedeploy_names_the_application_group_config_and_passes_the_service_role(tmp_path: Path) -> None:
    s = _by_sid(_policy(tmp_path, "codedeploy"))
    head = f"arn:aws:codedeploy:eu-west-1:{ACCOUNT}"
    assert s["CodeDeployApplication"]["Resource"] == [f"{head}:application:AppECS-prod-web"]
    assert s["CodeDeployGroup"]["Resource"] == [f"{head}:deploymentgroup:AppECS-prod-web/DgpECS-prod-web"]
    assert s["CodeDeployConfig"]["Resource"] == [f"{head}:deploymentconfig:CodeDeployDefault.ECSAllAtOnce"]
    assert s["PassCodeDeployRole"]["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/cd"]
    assert s["PassCodeDeployRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "codedeploy.amazonaws.com"}
    }


def test_switch_acts_on_the_versions_services_and_target_groups_and_both_rules(tmp_path: Path) -> None:
    s = _by_sid(_policy(tmp_path, "switch"))
    assert s["Services"]["Resource"] == [f"arn:aws:ecs:eu-west-1:{ACCOUNT}:service/prod/web-*"]
    assert s["VersionTargetGroups"]["Resource"] == [
        f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:targetgroup/web-*/*"
    ]
    assert s["MoveRuleTraffic"]["Resource"] == [RULE, PREPARING]
    assert (
        s["MoveAutoScaling"]["Condition"]["StringEquals"]["application-autoscaling:service-namespace"]
        == "ecs"
    )


def test_native_names_the_service_beside_its_deployments_and_revisions(tmp_path: Path) -> None:
    s = _by_sid(_policy(tmp_path, "native"))
    service = f"arn:aws:ecs:eu-west-1:{ACCOUNT}:service/prod/web"
    assert s["ServiceDeployments"]["Resource"] == [
        service,
        f"arn:aws:ecs:eu-west-1:{ACCOUNT}:service-deployment/prod/web/*",
    ]
    assert "ecs:ContinueServiceDeployment" in s["ServiceDeployments"]["Action"]
    assert s["ServiceRevisions"]["Resource"] == [
        service,
        f"arn:aws:ecs:eu-west-1:{ACCOUNT}:service-revision/prod/web/*",
    ]
    assert s["PassHookRoles"]["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs.amazonaws.com"}}


def test_an_unknown_technique_is_a_config_error_naming_the_option() -> None:
    with pytest.raises(ConfigError, match="--technique: 'blue' is not a technique") as raised:
        iam_policy.technique_named("blue")
    assert raised.value.exit_code == 2


def test_a_canary_analysis_reads_metrics_and_only_the_alarms_it_watches(tmp_path: Path) -> None:
    without = _by_sid(_policy(tmp_path, "taskset"))
    assert "ReadCanaryMetrics" not in without and "ReadCanaryAlarms" not in without
    config = tmp_path / "ci-ecs.yml"
    config.write_text(BASE + CONFIGS["taskset"] + "analysis:\n  error_rate: 1\n  alarms: [web-5xx]\n")
    settings = load_settings(config, environment=None, env={}, flags={})
    s = _by_sid(iam_policy.policy(settings, "taskset", WHERE))
    assert s["ReadCanaryMetrics"]["Action"] == ["cloudwatch:GetMetricData"]
    assert s["ReadCanaryMetrics"]["Resource"] == ["*"]
    assert s["ReadCanaryAlarms"] == {
        "Sid": "ReadCanaryAlarms",
        "Effect": "Allow",
        "Action": ["cloudwatch:DescribeAlarms"],
        "Resource": [f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT}:alarm:web-5xx"],
    }


def test_review_environments_act_on_the_service_s_clones_their_target_groups_and_the_listener_s_rules(
    tmp_path: Path,
) -> None:
    config = tmp_path / "ci-ecs.yml"
    config.write_text(
        BASE
        + "environments:\n  review/*:\n    review:\n"
        + f"      listener: {LISTENER}\n      host: '{{slug}}.x.com'\n"
    )
    settings = load_settings(config, environment="review/a", env={}, flags={})
    statements = _by_sid(iam_policy.policy(settings, "rolling", WHERE))
    assert statements["ReviewServices"]["Resource"] == [f"arn:aws:ecs:eu-west-1:{ACCOUNT}:service/prod/web-*"]
    assert set(statements["ReviewServices"]["Action"]) >= {"ecs:CreateService", "ecs:DeleteService"}
    rules = LISTENER.replace(":listener/", ":listener-rule/") + "/*"
    assert statements["ReviewRules"]["Resource"] == [LISTENER, rules]
    assert statements["ChangeReviewRules"] == {
        "Sid": "ChangeReviewRules",
        "Effect": "Allow",
        "Action": ["elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyRule"],
        "Resource": [rules],
    }
    assert statements["ReviewTargetGroups"]["Resource"] == [
        f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:targetgroup/web-*/*"
    ]
    production = load_settings(config, environment=None, env={}, flags={})
    assert "ReviewServices" not in _by_sid(iam_policy.policy(production, "rolling", WHERE))
    assert "ReviewServices" in _by_sid(iam_policy.policy(production, "rolling", WHERE, reviews=True))

"""The sample's blue/green configs load with ci-ecs's own settings and name the seeded resources."""

from __future__ import annotations

from ci_ecs.settings import load_settings


def _load(path):
    return load_settings(path, environment=None, env={}, flags={})


def test_codedeploy_config_names_the_code_deploy_service_and_its_groups(sandbox, sample, tmp_path):
    sandbox.write_config(tmp_path)
    settings = _load(tmp_path / "ci-ecs-codedeploy.yml")
    assert (settings.cluster, settings.service, settings.strategy) == ("demo", "web-bg", "codedeploy")
    assert settings.image.repository == sample.repository
    codedeploy = settings.codedeploy
    assert codedeploy.target_groups == (sample.blue_target_group_arn, sample.green_target_group_arn)
    assert (codedeploy.production_listener, codedeploy.test_listener) == (
        sample.production_listener_arn,
        sample.test_listener_arn,
    )
    assert codedeploy.service_role == sample.codedeploy_role_arn
    assert codedeploy.termination_wait <= 60


def test_switch_config_names_the_rules_and_prefix(sandbox, sample, tmp_path):
    sandbox.write_config(tmp_path)
    settings = _load(tmp_path / "ci-ecs-switch.yml")
    assert (settings.cluster, settings.service, settings.strategy) == ("demo", "web-sw", "switch")
    switch = settings.switch
    assert (switch.public_rule, switch.preparing_rule) == (sample.public_rule_arn, sample.preparing_rule_arn)
    assert (switch.name_prefix, switch.min_healthy, switch.overlap) == ("web-sw", 2, 2.0)


def test_existing_configs_are_unchanged(sandbox, sample, tmp_path):
    sandbox.write_config(tmp_path)
    for name in ("ci-ecs.yml", "ci-ecs-task.yml", "ci-ecs-service.yml", "ci-ecs-taskset.yml"):
        settings = _load(tmp_path / name)
        assert (settings.cluster, settings.strategy) == ("demo", "rolling")
    assert _load(tmp_path / "ci-ecs.yml").service == "web"

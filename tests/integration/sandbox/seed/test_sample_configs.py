"""The sample's exports and configs: they point at the sandbox, load with ci-ecs's own settings and name
the seeded resources."""

from __future__ import annotations

import yaml

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


def test_switch_routes_config_gives_each_load_balancer_of_the_dual_service_its_rules(
    sandbox, sample, tmp_path
):
    sandbox.write_config(tmp_path)
    settings = _load(tmp_path / "ci-ecs-switch-routes.yml")
    assert (settings.service, settings.strategy) == (sample.dual_base, "switch")
    routes = settings.switch.all_routes(settings.service)
    assert [(r.public_rule, r.preparing_rule, r.name_prefix) for r in routes] == list(sample.dual_routes)
    assert [r.name_prefix for r in routes] == ["web-dual", "web-dual-admin"]


def test_existing_configs_are_unchanged(sandbox, sample, tmp_path):
    sandbox.write_config(tmp_path)
    for name in ("ci-ecs.yml", "ci-ecs-task.yml", "ci-ecs-service.yml", "ci-ecs-taskset.yml"):
        settings = _load(tmp_path / name)
        assert (settings.cluster, settings.strategy) == ("demo", "rolling")
    assert _load(tmp_path / "ci-ecs.yml").service == "web"


def test_env_exports_and_config_point_at_the_sandbox(sandbox, sample, tmp_path):
    assert sandbox.endpoint.startswith("http://127.0.0.1:")
    assert sandbox.env() == {
        "AWS_ENDPOINT_URL": sandbox.endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    assert f"export AWS_ENDPOINT_URL={sandbox.endpoint}\n" in sandbox.exports()
    path = sandbox.write_config(tmp_path / "app")
    text = path.read_text()
    assert path.name == "ci-ecs.yml"
    assert sandbox.endpoint in text
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body == [
        "region: us-east-1",
        "cluster: demo",
        "service: web",
        f"image: {sample.repository}",
        "wait:",
        "  poll_first: 1      # seconds",
        "  poll_cap: 2",
        "  timeout: 120",
    ]
    modes = {
        name: yaml.safe_load((path.parent / f"ci-ecs-{name}.yml").read_text())
        for name in ("task", "service", "taskset")
    }
    assert modes["task"]["canary"] == {"mode": "task", "count": 1}
    assert modes["service"]["canary"] == {"mode": "service", "count": 1}
    assert modes["taskset"]["canary"] == {
        "mode": "taskset",
        "scale": 34,
        "weight": 10,
        "target_group": sample.canary_target_group_arn,
        "listener_rules": [sample.listener_rule_arn],
    }
    assert [modes[m]["service"] for m in ("task", "service", "taskset")] == ["web", "web", "web-ext"]
    for config in modes.values():
        assert {k: config[k] for k in ("region", "cluster", "image")} == {
            "region": "us-east-1",
            "cluster": "demo",
            "image": sample.repository,
        }
        assert config["wait"] == {"poll_first": 1, "poll_cap": 2, "timeout": 120}
    assert sample.repository == "123456789012.dkr.ecr.us-east-1.amazonaws.com/web"
    assert set(sample.images) >= {"v1", "v2", "v3", "v2-crash", "v2-unhealthy", "v2-slow"}
    assert len(set(sample.images.values())) == len(sample.images)


def test_a_native_config_per_type_names_its_service_with_the_service_s_own_strategy_settings(
    sandbox, sample, aws, tmp_path
):
    sandbox.write_config(tmp_path)
    assert [(n.service, n.native_type, n.config) for n in sample.native] == [
        ("web-native-blue-green", "blue-green", "ci-ecs-native-blue-green.yml"),
        ("web-native-linear", "linear", "ci-ecs-native-linear.yml"),
        ("web-native-canary", "canary", "ci-ecs-native-canary.yml"),
    ]
    services = aws.ecs.describe_services(cluster=sample.cluster, services=[n.service for n in sample.native])
    for found, service in zip(sample.native, services["services"], strict=True):
        settings = _load(tmp_path / found.config)
        assert (settings.cluster, settings.service, settings.strategy) == ("demo", found.service, "native")
        native, configuration = settings.native, service["deploymentConfiguration"]
        # What the config says is what the service has: ci-ecs finds no difference (exit 3) to refuse.
        assert (native.type, native.bake_minutes, native.alarms) == (
            found.native_type,
            configuration["bakeTimeInMinutes"],
            tuple(configuration["alarms"]["alarmNames"]),
        )
        linear, canary = configuration.get("linearConfiguration"), configuration.get("canaryConfiguration")
        assert (native.step_percent, native.step_bake_minutes) == (
            (linear["stepPercent"], linear["stepBakeTimeInMinutes"]) if linear else (None, None)
        )
        assert (native.canary_percent, native.canary_bake_minutes) == (
            (canary["canaryPercent"], canary["canaryBakeTimeInMinutes"]) if canary else (None, None)
        )
        assert not native.configure

"""The shell lines and ci-ecs configs the sandbox writes for users about its sample environment."""

from __future__ import annotations

from ci_ecs.sandbox.seed.sample import Sample, config_files, config_text, environment, exports


def _sample() -> Sample:
    return Sample(
        region="us-east-1",
        account_id="123456789012",
        cluster="demo",
        service="web",
        container="web",
        container_port=8080,
        repository="123456789012.dkr.ecr.us-east-1.amazonaws.com/web",
        images={"v1": "sha256:1", "v2": "sha256:2"},
        task_family="web",
        target_group_arn="arn:tg",
        load_balancer_arn="arn:lb",
        listener_arn="arn:listener",
        url="http://demo.example/",
        subnets=("subnet-1",),
        security_groups=("sg-1",),
        external_service="web-ext",
        canary_target_group_arn="arn:tg-canary",
        listener_rule_arn="arn:rule",
    )


def test_exports_are_shell_lines_for_the_endpoint():
    lines = exports(environment("http://127.0.0.1:5000", "us-east-1")).splitlines()
    assert lines == [
        "export AWS_ENDPOINT_URL=http://127.0.0.1:5000",
        "export AWS_REGION=us-east-1",
        "export AWS_DEFAULT_REGION=us-east-1",
        "export AWS_ACCESS_KEY_ID=testing",
        "export AWS_SECRET_ACCESS_KEY=testing",
    ]


def test_config_file_names_the_sample_service_and_says_what_to_export():
    text = config_text(_sample(), "http://127.0.0.1:5000")
    assert text.startswith("# ci-ecs.yml for the ci-ecs sandbox")
    assert "#   export AWS_ENDPOINT_URL=http://127.0.0.1:5000" in text
    assert "\nimage: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web\n" in text
    assert text.endswith("wait:\n  poll_first: 1      # seconds\n  poll_cap: 2\n  timeout: 120\n")


def test_one_config_per_canary_mode_and_blue_green_strategy_beside_ci_ecs_yml():
    files = config_files(_sample(), "http://127.0.0.1:5000")
    assert list(files) == [
        "ci-ecs.yml",
        "ci-ecs-task.yml",
        "ci-ecs-service.yml",
        "ci-ecs-taskset.yml",
        "ci-ecs-analysis.yml",
        "ci-ecs-codedeploy.yml",
        "ci-ecs-switch.yml",
        "ci-ecs-switch-routes.yml",
        "ci-ecs-review.yml",
        "ci-ecs-services.yml",
    ]
    assert files["ci-ecs.yml"] == config_text(_sample(), "http://127.0.0.1:5000")
    assert "\nservice:" not in files["ci-ecs-services.yml"]
    assert (
        "\nservices:" in files["ci-ecs-services.yml"]
        and "  - service: shop-worker\n" in files["ci-ecs-services.yml"]
    )
    for name, text in files.items():
        assert text.startswith(f"# {name} for the ci-ecs sandbox")
        assert "#   export AWS_ENDPOINT_URL=http://127.0.0.1:5000" in text
    assert "\nservice: web\nimage: " in files["ci-ecs-task.yml"]
    assert "/web\ncanary:\n  mode: task\n  count: 1\nwait:\n" in files["ci-ecs-task.yml"]
    assert "\ncanary:\n  mode: service\n  count: 1\n" in files["ci-ecs-service.yml"]
    assert "\nservice: web-ext\n" in files["ci-ecs-taskset.yml"]
    assert (
        "\ncanary:\n  mode: taskset\n  scale: 34           # percent of desired\n  weight: 10\n"
        "  target_group: arn:tg-canary\n  listener_rules: [arn:rule]\nwait:\n"
    ) in files["ci-ecs-taskset.yml"]

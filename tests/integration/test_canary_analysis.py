"""Canary analysis against the sandbox's CloudWatch metrics: canaries judged, walked, promoted or removed."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import aws_json, client
from tests.integration.world import settled, snapshot

# Short intervals: the sandbox publishes its load-balancer metrics every few ticks.
FAST = {"interval": "1s", "count": 2, "delay": "1s", "min_requests": 10}


def _config(workdir: Path, base: str, analysis: dict[str, Any], **canary: Any) -> str:
    """A config file: the sandbox's `base` config with this analysis (and these canary settings)."""
    data = yaml.safe_load((workdir / base).read_text(encoding="utf-8"))
    data["analysis"] = {**FAST, **analysis}
    if canary:
        data.setdefault("canary", {}).update(canary)
    if "steps" in canary:
        data["canary"].pop("weight", None)
    name = f"analysed-{base}"
    (workdir / name).write_text(yaml.safe_dump(data), encoding="utf-8")
    return name


def _weights(sandbox: sandboxes.Sandbox, rule: str) -> dict[str, int]:
    found = client(sandbox, "elbv2").describe_rules(RuleArns=[rule])["Rules"][0]
    return {g["TargetGroupArn"]: g["Weight"] for g in found["Actions"][0]["ForwardConfig"]["TargetGroups"]}


@contextmanager
def _watching_rule(sandbox: sandboxes.Sandbox, rule: str) -> Iterator[list[dict[str, int]]]:
    """The rule's forward weights read every 50 ms while the block runs (each change once).

    By boto3, not the aws CLI: one CLI call can take longer on a loaded machine than a fast canary step lasts.
    """
    seen: list[dict[str, int]] = []
    done = threading.Event()
    elbv2 = client(sandbox, "elbv2")

    def watch() -> None:
        while not done.is_set():
            rules = elbv2.describe_rules(RuleArns=[rule])["Rules"]
            groups = rules[0]["Actions"][0]["ForwardConfig"]["TargetGroups"]
            weights = {g["TargetGroupArn"]: g.get("Weight", 1) for g in groups}
            if not seen or seen[-1] != weights:
                seen.append(weights)
            done.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield seen
    finally:
        done.set()
        watcher.join(timeout=30)


def _shares(seen: list[dict[str, int]], group: str) -> list[int]:
    """The group's weights in the order seen, each once, leaving out none at all."""
    shares = [weights.get(group, 0) for weights in seen]
    return [w for n, w in enumerate(shares) if w and (n == 0 or shares[n - 1] != w)]


def _document(output: str) -> list[dict[str, Any]]:
    """The JSON records a job printed with --output json (one per plan)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    text = output.strip()
    while at < len(text):
        document, at = decoder.raw_decode(text, at)
        found.append(document)
        while at < len(text) and text[at].isspace():
            at += 1
    return found


def test_taskset_canary_walks_every_step_measured_then_promotes_itself(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = _config(workdir, "ci-ecs-taskset.yml", {"error_rate": 5, "promote": "auto"}, steps=[5, 25, 50])
    group = sample.canary_target_group_arn
    with _watching_rule(sandbox, sample.listener_rule_arn) as seen:
        run = cli(
            "--config", config, "--output", "json", "canary-deploy", "--image", f"{sample.repository}:v2"
        )

    assert run.code == 0, run.output
    assert _shares(seen, group) == [5, 25, 50], seen  # every step, in order, read back from the listener rule
    canary, deploy = _document(run.stdout)
    assert (canary["command"], deploy["command"]) == ("canary-deploy", "deploy")
    assert [a["step"] for a in canary["analysis"]] == [
        "5% of the traffic",
        "25% of the traffic",
        "50% of the traffic",
    ]
    assert all(a["verdict"] == "pass" for a in canary["analysis"])
    first = canary["analysis"][0]["intervals"][0]
    assert first["requests"] >= 10 and first["readings"][0]["check"] == "error rate"
    service = aws_json(
        sandbox, workdir, "ecs", "describe-services", "--cluster", sample.cluster, "--services", "web-ext"
    )["services"][0]
    primary = [t for t in service["taskSets"] if t["status"] == "PRIMARY"]
    assert len(primary) == 1 and primary[0]["taskDefinition"] == deploy["task_definition"]


def test_a_canary_with_too_little_traffic_ends_with_not_enough_data_and_is_removed(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    before = _weights(sandbox, sample.listener_rule_arn)
    config = _config(workdir, "ci-ecs-taskset.yml", {"error_rate": 5, "min_requests": 10**8})
    run = cli("--config", config, "canary-deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 1, run.output
    assert "not enough data to judge the canary" in run.output
    assert "fewer than min_requests 100000000" in run.output
    assert _weights(sandbox, sample.listener_rule_arn) == before
    sets = client(sandbox, "ecs").describe_task_sets(cluster=sample.cluster, service="web-ext")["taskSets"]
    assert [t["status"] for t in sets if t["status"] != "DRAINING"] == ["PRIMARY"]  # the canary is deleted


def test_missing_alarm_is_exit_3_before_anything_changes(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = _config(workdir, "ci-ecs-taskset.yml", {"alarms": ["no-such-alarm"]})
    run = cli("--config", config, "canary-deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 3, run.output
    assert "analysis.alarms: no CloudWatch alarm named no-such-alarm" in run.stderr
    tags = client(sandbox, "ecs").describe_services(
        cluster=sample.cluster, services=["web-ext"], include=["TAGS"]
    )
    assert not [t for t in tags["services"][0].get("tags", []) if "canary" in t["key"]]


@pytest.mark.parametrize(
    ("analysis", "message"),
    [
        ({"interval": "45s"}, "analysis.interval: '45s' is not a CloudWatch period"),
        ({"error_rate": "lots"}, "analysis.error_rate: expected a percentage"),
    ],
)
def test_bad_analysis_settings_are_exit_2(
    cli: Any, sample: sandboxes.Sample, workdir: Path, analysis: dict[str, Any], message: str
) -> None:
    config = _config(workdir, "ci-ecs-taskset.yml", analysis)
    run = cli("--config", config, "canary-deploy", "--image", f"{sample.repository}:v2")
    assert run.code == 2, run.output
    assert message in run.stderr


def test_native_linear_canary_is_analysed_at_every_step_then_deployed(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    native = next(n for n in sample.native if n.native_type == "linear")
    config = _config(workdir, "ci-ecs-native-linear.yml", {"error_rate": 5, "promote": "auto"})
    with _watching_rule(sandbox, native.production_rule_arn) as seen:
        run = cli(
            "--config", config, "--output", "json", "canary-deploy", "--image", f"{sample.repository}:v2"
        )

    assert run.code == 0, run.output
    assert {25, 50, 75} <= set(_shares(seen, native.green_target_group_arn)), (
        seen
    )  # each step, read back from the listener rule
    canary, deploy = _document(run.stdout)
    assert [a["step"] for a in canary["analysis"]] == ["25% of production traffic"]
    assert [a["step"] for a in deploy["analysis"]] == [
        "25% of production traffic",  # the job's analyses so far: the canary's, then the deploy's
        "50% of production traffic",
        "75% of production traffic",
    ]
    assert _weights(sandbox, native.production_rule_arn)[native.green_target_group_arn] == 100


def test_switch_canary_takes_public_traffic_step_by_step_then_is_switched_to(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = _config(workdir, "ci-ecs-switch.yml", {"error_rate": 5, "promote": "auto"}, steps=[10, 50])
    public = yaml.safe_load((workdir / config).read_text(encoding="utf-8"))["switch"]["public_rule"]
    with _watching_rule(sandbox, public) as seen:
        run = cli(
            "--config", config, "--output", "json", "canary-deploy", "--image", f"{sample.repository}:v2"
        )

    assert run.code == 0, run.output
    canary, deploy = _document(run.stdout)
    new = aws_json(
        sandbox, workdir, "elbv2", "describe-target-groups", "--names", deploy["details"]["target_group"]
    )
    group = new["TargetGroups"][0]["TargetGroupArn"]
    assert _shares(seen, group)[:2] == [10, 50], seen  # each step, read back from the listener rule
    assert [a["step"] for a in canary["analysis"]] == [
        "10% of the public traffic",
        "50% of the public traffic",
    ]
    assert _weights(sandbox, public) == {group: 1}


# Each technique's canary, by its sandbox config; the check that fails, by the image's failure.
CANARIES = (
    "ci-ecs-task.yml",
    "ci-ecs-service.yml",
    "ci-ecs-taskset.yml",
    "ci-ecs-switch.yml",
    "ci-ecs-native-canary.yml",
    "ci-ecs-native-linear.yml",
    "ci-ecs-codedeploy.yml",
)
FAILURES: dict[str, tuple[str, dict[str, Any]]] = {
    "errors": ("error rate", {"error_rate": 5}),
    "latency": ("p99 latency", {"p99_latency": "800ms"}),
}


def _stable(sandbox: sandboxes.Sandbox) -> dict[str, Any]:
    """What serves once the sandbox is idle: services, tasks, target health, rules (not the revisions)."""
    settled(sandbox)
    world = snapshot(sandbox)
    world.pop("revisions", None)  # the canary's revision stays registered, as every deploy's does
    world["services"] = {
        name: {**service, "tags": {k: v for k, v in service["tags"].items() if k != "ci-ecs:switch"}}
        for name, service in world["services"].items()
        if service["desired"]  # a service canary's service stays, scaled to 0, for the next canary
    }  # the switch's family mark stays on a hand-made first version once a prepare ended
    return world


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("base", CANARIES)
def test_a_failing_canary_exits_1_naming_the_check_and_leaves_the_stable_version_as_it_was(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, base: str, failure: str
) -> None:
    check, limits = FAILURES[failure]
    config = _config(workdir, base, {**limits, "count": 3})
    before = _stable(sandbox)

    run = cli(
        "--config",
        config,
        "--output",
        "json",
        "canary-deploy",
        "--image",
        f"{sample.repository}:v2-{failure}",
    )

    assert run.code == 1, run.output
    # At its first judged interval (a loaded machine may publish the first interval's metrics late).
    assert re.search(rf"canary analysis failed in interval (\d) of 3: {check}", run.stderr), run.stderr
    (record,) = _document(run.stdout)
    (analysis,) = record["analysis"]
    assert analysis["verdict"] == "fail"
    assert [i["outcome"] for i in analysis["intervals"]][-1] == "fail"
    assert "pass" not in [i["outcome"] for i in analysis["intervals"]]
    assert _stable(sandbox) == before


@pytest.mark.parametrize(
    ("base", "step"),
    [
        ("ci-ecs-task.yml", "1 canary task(s) beside the service"),
        ("ci-ecs-service.yml", "1 canary task(s) beside the service"),
        ("ci-ecs-native-canary.yml", "10% of production traffic"),
        ("ci-ecs-codedeploy.yml", "the test listener's traffic"),
    ],
)
def test_a_good_canary_passes_its_analysis_and_promote_auto_deploys_it(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, base: str, step: str
) -> None:
    config = _config(workdir, base, {"error_rate": 5, "p99_latency": "800ms", "promote": "auto"})

    run = cli("--config", config, "--output", "json", "canary-deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    canary, deploy = _document(run.stdout)
    assert [(a["step"], a["verdict"]) for a in canary["analysis"]] == [(step, "pass")]
    readings = canary["analysis"][0]["intervals"][0]["readings"]
    assert [(r["check"], r["outcome"]) for r in readings] == [("error rate", "pass"), ("p99 latency", "pass")]
    assert (deploy["command"], deploy["status"], deploy["version"]) == ("deploy", "success", "v2")
    found = aws_json(
        sandbox,
        workdir,
        "ecs",
        "describe-services",
        "--cluster",
        sample.cluster,
        "--services",
        deploy["service"],
        "--include",
        "TAGS",
    )["services"][0]
    assert {t["key"]: t["value"] for t in found["tags"]}["ci-ecs:version"] == "v2"


def test_relative_error_rate_fails_a_worse_canary_passes_an_equally_bad_one_and_the_summaries_show_it(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = _config(workdir, "ci-ecs-taskset.yml", {"error_rate_vs_baseline": 1.5})
    summary = workdir / "step-summary.md"
    env = {"CI": "true", "GITHUB_STEP_SUMMARY": str(summary)}

    worse = cli("--config", config, "canary-deploy", "--image", f"{sample.repository}:v2-errors", env=env)

    assert worse.code == 1, worse.output
    assert "error rate vs baseline" in worse.stderr and "× the baseline's 0.00%" in worse.stderr
    text = summary.read_text(encoding="utf-8")
    assert "#### Canary analysis" in text and "❌ **10% of the traffic**" in text
    assert "| error rate vs baseline (%) |" in text
    assert "```mermaid\nxychart-beta" in text and "line [" in text
    assert "#### Timeline" in text and "```mermaid\ngantt" in text  # where the time went
    assert ":crit, " in text  # the failed analysis step, marked
    assert "canary analysis at 10% of the traffic: fail" in worse.output  # the log's summary section

    stable = cli("--config", "ci-ecs-taskset.yml", "deploy", "--image", f"{sample.repository}:v2-errors")
    assert stable.code == 0, stable.output
    same = cli(
        "--config", config, "--output", "json", "canary-deploy", "--image", f"{sample.repository}:v3-errors"
    )

    assert same.code == 0, same.output  # 50 % errors against 50 %: no worse than the stable version
    (record,) = _document(same.stdout)
    phases = [p["name"] for p in record["timeline"]]
    assert phases[0] == "inspect service web-ext" and phases[-1] == "analyse the canary at 10% of the traffic"
    reading = record["analysis"][0]["intervals"][0]["readings"][0]
    assert reading["outcome"] == "pass" and reading["canary"] == pytest.approx(reading["baseline"], abs=5)


def test_a_custom_query_and_an_alarm_in_alarm_each_fail_the_canary_by_name(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    errors = {
        "name": "canary-5xx",
        "max": 0,
        "metric_data_queries": [
            {
                "Id": "errors",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/ApplicationELB",
                        "MetricName": "HTTPCode_Target_5XX_Count",
                        "Dimensions": [
                            {"Name": "LoadBalancer", "Value": "{{ load_balancer }}"},
                            {"Name": "TargetGroup", "Value": "{{ canary_target_group }}"},
                        ],
                    },
                    "Stat": "Sum",
                },
            }
        ],
    }
    queried = _config(workdir, "ci-ecs-taskset.yml", {"queries": [errors], "no_data_limit": 3, "count": 3})
    run = cli("--config", queried, "canary-deploy", "--image", f"{sample.repository}:v2-errors")
    assert run.code == 1, run.output
    assert "canary-5xx" in run.stderr and "> max 0" in run.stderr

    alarm = sample.native[0].alarm
    aws_json(
        sandbox,
        workdir,
        "cloudwatch",
        "set-alarm-state",
        "--alarm-name",
        alarm,
        "--state-value",
        "ALARM",
        "--state-reason",
        "a test",
    )
    watched = _config(workdir, "ci-ecs-taskset.yml", {"alarms": [alarm]})
    run = cli("--config", watched, "canary-deploy", "--image", f"{sample.repository}:v2")
    assert run.code == 1, run.output
    assert f"alarm {alarm} in ALARM" in run.stderr


def test_a_codedeploy_canary_config_is_analysed_at_its_split_and_stopped_with_rollback_on_failure(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    data = yaml.safe_load((workdir / "ci-ecs-codedeploy.yml").read_text(encoding="utf-8"))
    data["codedeploy"]["config"] = "CodeDeployDefault.ECSCanary10Percent15Minutes"  # 7.5 s in the sandbox
    (workdir / "ci-ecs-codedeploy.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    config = _config(workdir, "ci-ecs-codedeploy.yml", {"error_rate": 5})
    before = _stable(sandbox)

    run = cli("--config", config, "--output", "json", "deploy", "--image", f"{sample.repository}:v2-errors")

    assert run.code == 1, run.output
    (record,) = _document(run.stdout)
    assert [(a["step"], a["verdict"]) for a in record["analysis"]] == [("10% of production traffic", "fail")]
    assert "stopped" in run.stderr.lower()
    assert _stable(sandbox) == before  # production back on the original task set alone


def test_a_codedeploy_config_that_moves_on_before_the_verdict_is_warned_of_before_anything_changes(
    cli: Any, sample: sandboxes.Sample, workdir: Path
) -> None:
    data = yaml.safe_load((workdir / "ci-ecs-codedeploy.yml").read_text(encoding="utf-8"))
    data["codedeploy"]["config"] = "CodeDeployDefault.ECSCanary10Percent5Minutes"
    (workdir / "ci-ecs-codedeploy.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    config = _config(workdir, "ci-ecs-codedeploy.yml", {"error_rate": 5, "interval": "2m", "count": 3})

    run = cli("--config", config, "deploy", "--dry-run", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    assert "holds each share 5m, the analysis takes 6m1s (count × interval + delay)" in run.output

"""The `notify:` keys from the file and variables; a bad value is exit 2 naming the key, never showing it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.settings.loading import BASE, fails, load

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"


def test_the_defaults_send_nothing_and_would_notify_all_but_start(tmp_path: Path) -> None:
    notify = load(tmp_path).notify

    assert (notify.slack_webhook, notify.teams_webhook, notify.webhook) == (None, None, None)
    assert notify.events == ("success", "failure", "rollback")
    assert notify.timeout == 5.0


def test_the_file_takes_urls_variables_events_and_a_timeout(tmp_path: Path) -> None:
    text = BASE + (
        f"notify:\n  slack_webhook: {SLACK}\n  teams_webhook: ${{TEAMS_WEBHOOK_URL}}\n"
        "  webhook: $DEPLOY_HOOK\n  events: [start, failure, failure]\n  timeout: 2s\n"
    )
    notify = load(tmp_path, text).notify

    assert (notify.slack_webhook, notify.teams_webhook, notify.webhook) == (
        SLACK,
        "${TEAMS_WEBHOOK_URL}",
        "$DEPLOY_HOOK",
    )
    assert (notify.events, notify.timeout) == (("start", "failure"), 2.0)


def test_variables_set_them_too(tmp_path: Path) -> None:
    env = {"CI_ECS_NOTIFY_SLACK_WEBHOOK": SLACK, "CI_ECS_NOTIFY_EVENTS": "failure, rollback"}
    notify = load(tmp_path, env=env).notify

    assert (notify.slack_webhook, notify.events) == (SLACK, ("failure", "rollback"))


def test_a_bad_url_is_exit_2_naming_the_key_but_not_the_value(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "notify:\n  webhook: ftp://example.com/hook-s3cr3t\n")

    assert message.startswith("notify.webhook: expected an http(s) URL or ${VARIABLE}")
    assert "s3cr3t" not in message
    assert "s3cr3t" not in fails(tmp_path, env={"CI_ECS_NOTIFY_SLACK_WEBHOOK": "hooks.slack.com/s3cr3t"})


def test_an_unknown_event_or_key_is_exit_2(tmp_path: Path) -> None:
    assert fails(tmp_path, BASE + "notify:\n  events: [success, deployed]\n").startswith(
        "notify.events: 'deployed' is not one of: start, success, failure, rollback"
    )
    assert fails(tmp_path, BASE + "notify:\n  events: []\n").startswith("notify.events: name at least one of")
    assert "unknown key 'notify.slack'" in fails(tmp_path, BASE + "notify:\n  slack: x\n")
    assert fails(tmp_path, BASE + "notify:\n  timeout: soon\n").startswith("notify.timeout: expected")


def test_the_readme_example_loads_and_reads_its_urls_from_the_variables(tmp_path: Path) -> None:
    from ci_ecs.notify import notifier_for
    from ci_ecs.output import Console

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    example = next(b for b in re.findall(r"```yaml\n(.*?)```", readme, flags=re.S) if b.startswith("notify:"))
    settings = load(tmp_path, BASE + example)
    env = {
        name: f"https://example.com/{name}"
        for name in ("SLACK_WEBHOOK_URL", "TEAMS_WEBHOOK_URL", "DEPLOY_WEBHOOK_URL")
    }

    notifier = notifier_for(settings, env, Console())

    assert [target.url for target in notifier.targets] == [
        "https://example.com/SLACK_WEBHOOK_URL",
        "https://example.com/TEAMS_WEBHOOK_URL",
        "https://example.com/DEPLOY_WEBHOOK_URL",
    ]
    assert (notifier.events, notifier.timeout) == (frozenset({"success", "failure", "rollback"}), 5.0)

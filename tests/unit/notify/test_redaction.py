"""Webhook URLs are secrets: by the names that hold them, and by the shapes of Slack's and Teams' URLs."""

from __future__ import annotations

from ci_ecs.output import Redactor
from ci_ecs.redaction import redact, secret_name


def test_names_with_webhook_in_them_hold_secrets() -> None:
    assert all(map(secret_name, ("SLACK_WEBHOOK_URL", "CI_ECS_NOTIFY_WEBHOOK", "notify.teams_webhook")))
    assert redact({"name": "TEAMS_WEBHOOK", "value": "https://example.com/x"})["value"] == "****"
    assert Redactor.from_environment({"MY_WEBHOOK": "https://example.com/abc"})(
        "at https://example.com/abc"
    ) == ("at ****")


def test_slack_and_teams_webhook_urls_are_masked_wherever_they_appear() -> None:
    text = (
        "posting to https://hooks.slack.com/services/T0AAA/B0BBB/XxXxXxXx and "
        "https://prod-1.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke"
        "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbC-123_xyz"
    )

    masked = Redactor()(text)

    assert "T0AAA" not in masked and "AbC-123_xyz" not in masked
    assert masked.startswith("posting to https://**** and https://prod-1.westus.logic.azure.com")
    assert masked.endswith("&sig=****")

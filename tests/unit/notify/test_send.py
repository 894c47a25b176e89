"""Sending: to every configured webhook, only the chosen events, and a failing webhook is one warning."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from ci_ecs.errors import ConfigError
from ci_ecs.notify import notifier_for
from ci_ecs.output import Console
from ci_ecs.settings import Settings
from ci_ecs.settings.notify import NotifySettings
from tests.unit.notify.notices import RECORD
from tests.webhooks import receiver

SECRET = "T0KEN-9f8e7d6c5b4a"


def _console() -> tuple[Console, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Console(out=out, err=err), out, err


def _settings(**notify: object) -> Settings:
    return Settings("main", "web", environment="production", notify=NotifySettings(**notify))  # type: ignore[arg-type]


def test_each_webhook_gets_its_own_message_and_only_the_chosen_events() -> None:
    console, out, err = _console()
    with receiver() as hooks:
        settings = _settings(
            slack_webhook=f"{hooks.base}/slack/{SECRET}",
            teams_webhook="${TEAMS_URL}",
            webhook=f"{hooks.base}/json/{SECRET}",
            events=("success", "failure"),
        )
        notifier = notifier_for(settings, {"TEAMS_URL": f"{hooks.base}/teams/{SECRET}"}, console)
        notifier.send("start", RECORD, 0.5)
        notifier.send("success", RECORD, 61.0)

    assert sorted(path for path, _, _ in hooks.requests) == [
        f"/json/{SECRET}",
        f"/slack/{SECRET}",
        f"/teams/{SECRET}",
    ]
    assert all(kind == "application/json; charset=utf-8" for _, kind, _ in hooks.requests)
    assert hooks.bodies(f"/slack/{SECRET}")[0]["text"] == "Deployed v3 to production"
    assert hooks.bodies(f"/teams/{SECRET}")[0]["attachments"][0]["content"]["version"] == "1.4"
    assert hooks.bodies(f"/json/{SECRET}")[0]["event"] == "success"
    assert out.getvalue() == err.getvalue() == ""


def test_a_webhook_answering_500_or_not_answering_is_one_warning_each_without_its_url() -> None:
    console, out, err = _console()
    with receiver() as hooks:
        settings = _settings(
            slack_webhook=f"{hooks.base}/fail/{SECRET}", webhook=f"{hooks.base}/slow/{SECRET}", timeout=0.3
        )
        notifier_for(settings, {}, console).send("failure", replace(RECORD, status="failed"), 3.0)
        console.line(f"a line naming {hooks.base}/fail/{SECRET}")

    warnings = err.getvalue().splitlines()
    assert warnings == [
        "warning: notify: the Slack webhook answered HTTP 500 (internal error): the failure notification was "
        "not sent",
        "warning: notify: the webhook did not answer in 0.3s: the failure notification was not sent",
    ]
    assert SECRET not in out.getvalue() + err.getvalue()


def test_a_refused_connection_is_a_warning() -> None:
    console, _, err = _console()
    with receiver() as hooks:
        url = hooks.base
    notifier_for(_settings(webhook=f"{url}/gone"), {}, console).send("success", RECORD, 1.0)

    assert err.getvalue().startswith("warning: notify: the webhook could not be reached (")
    assert err.getvalue().count("\n") == 1


def test_a_webhook_from_an_unset_variable_is_a_config_error_naming_the_key_and_variable() -> None:
    console, _, _ = _console()
    with pytest.raises(ConfigError) as caught:
        notifier_for(_settings(slack_webhook="${SLACK_WEBHOOK_URL}"), {}, console)

    assert str(caught.value).startswith(
        "notify.slack_webhook: variable SLACK_WEBHOOK_URL is not set or empty"
    )
    with pytest.raises(ConfigError, match="does not hold an http"):
        notifier_for(_settings(webhook="$HOOK"), {"HOOK": f"not a url {SECRET}"}, console)


def test_a_connection_closed_without_an_answer_and_a_message_that_cannot_be_built_are_warnings() -> None:
    from ci_ecs.notify.send import Notifier, Target

    def broken(notice: object) -> dict[str, object]:
        raise KeyError("headline")

    console, _, err = _console()
    with receiver() as hooks:
        targets = (
            Target("the webhook", f"{hooks.base}/hangup", lambda notice: {}),
            Target("Slack", hooks.base, broken),
        )
        Notifier(targets, frozenset({"success"}), 1.0, console).send("success", RECORD, 1.0)

    assert err.getvalue().splitlines() == [
        "warning: notify: the webhook could not be reached (Remote end closed connection without response): "
        "the success notification was not sent",
        "warning: notify: Slack got no message (KeyError: 'headline'): the success notification was not sent",
    ]

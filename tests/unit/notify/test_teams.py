"""The Teams message: a `message` with one Adaptive Card 1.4 attachment, as Workflows webhooks take it."""

from __future__ import annotations

from ci_ecs.notify import teams
from tests.unit.notify.notices import JOB, notice


def test_a_success_is_an_adaptive_card_with_the_facts_and_links() -> None:
    message = teams.payload(notice("success"))

    assert message["type"] == "message"
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    title, facts = card["body"]
    assert title == {
        "type": "TextBlock",
        "text": "Deployed v3 to production",
        "weight": "Bolder",
        "size": "Medium",
        "color": "Good",
        "wrap": True,
    }
    assert facts == {
        "type": "FactSet",
        "facts": [
            {"title": "Version", "value": "v3"},
            {"title": "Previous version", "value": "v2"},
            {"title": "Technique", "value": "rolling"},
            {"title": "Environment", "value": "production"},
            {"title": "Service", "value": "web (main)"},
            {"title": "Duration", "value": "1m 05s"},
        ],
    }
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "View job", "url": JOB},
        {"type": "Action.OpenUrl", "title": "Open environment", "url": "https://app.example.com"},
    ]


def test_a_failure_shows_its_reason_in_red() -> None:
    card = teams.payload(notice("failure", status="failed", reason="circuit breaker\ntripped"))[
        "attachments"
    ][0]["content"]

    assert card["body"][0]["text"] == "Deploy of v3 to production failed"
    assert card["body"][0]["color"] == "Attention"
    assert card["body"][2] == {
        "type": "TextBlock",
        "text": "circuit breaker tripped",
        "color": "Attention",
        "wrap": True,
    }


def test_a_cancelled_job_says_so() -> None:
    card = teams.payload(notice("failure", status="cancelled", reason="cancelled by SIGTERM"))["attachments"][
        0
    ]["content"]

    assert card["body"][0]["text"] == "Deploy of v3 to production was cancelled"

"""A Microsoft Teams message for a Workflows webhook: one Adaptive Card 1.4 attachment."""

from __future__ import annotations

from typing import Any

from ci_ecs.notify.notice import Notice, facts, headline

CARD = "application/vnd.microsoft.card.adaptive"
_COLOR = {"start": "Accent", "success": "Good", "failure": "Attention", "rollback": "Warning"}


def payload(notice: Notice) -> dict[str, Any]:
    """The message a "Send webhook alerts to a channel" workflow posts: a `message` with the card attached."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": headline(notice),
            "weight": "Bolder",
            "size": "Medium",
            "color": _COLOR[notice.event],
            "wrap": True,
        },
        {"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in facts(notice)]},
    ]
    if notice.reason:
        body.append({"type": "TextBlock", "text": notice.reason, "color": "Attention", "wrap": True})
    links = [("View job", notice.job_url), ("Open environment", notice.url)]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "msteams": {"width": "Full"},
    }
    actions = [{"type": "Action.OpenUrl", "title": title, "url": url} for title, url in links if url]
    if actions:
        card["actions"] = actions
    return {"type": "message", "attachments": [{"contentType": CARD, "contentUrl": None, "content": card}]}

"""A Slack incoming-webhook message: `text` (the notification's fallback) and Block Kit `blocks`."""

from __future__ import annotations

from typing import Any

from ci_ecs.notify.notice import Notice, facts, headline

_EMOJI = {"start": ":rocket:", "success": ":white_check_mark:", "failure": ":x:", "rollback": ":rewind:"}


def escape(text: str) -> str:
    """Text as Slack's mrkdwn shows it literally (`&`, `<` and `>` are its control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(notice: Notice) -> dict[str, Any]:
    """The message for a Slack incoming webhook."""
    title = headline(notice)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": _mrkdwn(f"{_EMOJI[notice.event]} *{escape(title)}*")},
        # A section holds at most 10 fields of at most 2000 characters each.
        {
            "type": "section",
            "fields": [_mrkdwn(f"*{name}*\n{escape(value)}") for name, value in facts(notice)],
        },
    ]
    if notice.reason:
        blocks.append({"type": "section", "text": _mrkdwn(f"*Reason*\n{escape(notice.reason)}")})
    links = [("View job", notice.job_url), ("Open environment", notice.url)]
    buttons = [_button(text, url) for text, url in links if url]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    text = title + (f": {notice.reason}" if notice.reason else "")
    return {"text": escape(text), "blocks": blocks}


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _button(text: str, url: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "url": url}

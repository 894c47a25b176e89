"""The Slack message: `text` and Block Kit `blocks` as incoming webhooks take them."""

from __future__ import annotations

from ci_ecs.notify import slack
from tests.unit.notify.notices import JOB, notice


def test_a_success_has_a_fallback_text_a_headline_the_facts_and_links() -> None:
    message = slack.payload(notice("success"))

    assert message["text"] == "Deployed v3 to production"
    headline, fields, actions = message["blocks"]
    assert headline == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": ":white_check_mark: *Deployed v3 to production*"},
    }
    assert fields["type"] == "section"
    assert [f["text"] for f in fields["fields"]] == [
        "*Version*\nv3",
        "*Previous version*\nv2",
        "*Technique*\nrolling",
        "*Environment*\nproduction",
        "*Service*\nweb (main)",
        "*Duration*\n1m 05s",
    ]
    assert all(f["type"] == "mrkdwn" for f in fields["fields"])
    assert actions == {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "View job"}, "url": JOB},
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open environment"},
                "url": "https://app.example.com",
            },
        ],
    }


def test_a_failure_gives_its_reason_on_one_line_escaped_for_mrkdwn() -> None:
    message = slack.payload(
        notice("failure", status="failed", reason="tasks stopped:\n  exit 3 <OOM> & more")
    )

    assert (
        message["text"] == "Deploy of v3 to production failed: tasks stopped: exit 3 &lt;OOM&gt; &amp; more"
    )
    assert message["blocks"][0]["text"]["text"] == ":x: *Deploy of v3 to production failed*"
    assert message["blocks"][2] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*Reason*\ntasks stopped: exit 3 &lt;OOM&gt; &amp; more"},
    }


def test_a_start_has_no_duration_and_a_rollback_says_where_it_went() -> None:
    start = slack.payload(notice("start"))
    assert start["text"] == "Deploying v3 to production"
    assert not any(f["text"].startswith("*Duration*") for f in start["blocks"][1]["fields"])

    back = slack.payload(notice("rollback", command="rollback", version="v2", previous_version="v3"))
    assert back["text"] == "Rolled back production to v2"
    assert back["blocks"][0]["text"]["text"].startswith(":rewind: ")


def test_a_canary_reads_as_one_and_a_long_reason_is_cut() -> None:
    canary = slack.payload(notice("success", command="canary-deploy", technique="canary-task"))
    assert canary["text"] == "Canary of v3 ready on production"

    failed = slack.payload(notice("failure", status="failed", reason="x" * 2000))
    reason = failed["blocks"][2]["text"]["text"]
    assert len(reason) < 600 and reason.endswith("…")


def test_without_a_job_or_environment_url_there_are_no_buttons() -> None:
    from dataclasses import replace

    message = slack.payload(replace(notice(), job_url=None, url=None))

    assert [block["type"] for block in message["blocks"]] == ["section", "section"]

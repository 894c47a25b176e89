"""How an analysis reads: the log's lines, the Markdown table and chart, the text chart."""

from __future__ import annotations

import re

from ci_ecs.analysis import report
from ci_ecs.model import Analysis, Interval, Outcome, Reading


def _analysis() -> Analysis:
    def interval(number: int, canary: float, outcome: Outcome) -> Interval:
        readings = (
            Reading("error rate vs baseline", canary, 0.5, 1.0, "%", outcome, "why"),
            Reading("alarm web-5xx", None, None, None, "", "pass", "OK"),
        )
        return Interval(
            number, f"2026-12-04T10:0{number}:00Z", f"2026-12-04T10:0{number + 1}:00Z", 400, readings, outcome
        )

    intervals = (interval(1, 0.4, "pass"), interval(2, 12.5, "fail"))
    return Analysis("10% of the traffic", intervals, "fail", "canary analysis failed in interval 2 of 5: …")


def test_the_log_has_a_line_per_check_with_canary_baseline_and_limit() -> None:
    lines = report.interval_lines(_analysis().intervals[1], 5)
    assert lines[0] == "    interval 2/5 (10:02:00–10:03:00 UTC, 400 canary requests): FAIL"
    assert "canary 12.50%  baseline 0.50%  limit 1.00%  FAIL (why)" in lines[1]


def test_the_markdown_has_a_row_per_check_a_column_per_interval_and_a_mermaid_line_chart() -> None:
    text = report.markdown([_analysis()])
    assert "❌ **10% of the traffic**: canary analysis failed" in text
    assert "| error rate vs baseline (%) | 1.00% | ✅ 0.40% / 0.50% | ❌ 12.50% / 0.50% |" in text
    assert "| canary requests | | 400 | 400 |" in text
    block = text.split("```mermaid\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0] == "xychart-beta"
    assert re.fullmatch(r'    title "[^"]+"', block[1])
    assert block[2] == '    x-axis ["#1", "#2"]'
    assert re.fullmatch(r'    y-axis "%" 0 --> [0-9.]+', block[3])
    assert block[4:] == ["    line [0.4, 12.5]", "    line [0.5, 0.5]"]  # canary, then baseline
    assert "alarm web-5xx" in text and text.count("```mermaid") == 1  # an alarm has no value to chart


def test_the_text_chart_shows_canary_and_baseline_bars() -> None:
    lines = report.text_lines([_analysis()])
    assert lines[0].startswith("canary analysis at 10% of the traffic: fail — ")
    assert "canary   ▁█  last 12.50%" in lines[1] and "baseline ▁▁  last 0.50%" in lines[2]

"""How an analysis reads: a line per check and interval, a table, and a chart of canary against baseline."""

from __future__ import annotations

from collections.abc import Sequence

from ci_ecs.model import Analysis, Interval, Reading

_MARK = {"pass": "pass", "fail": "FAIL", "no data": "no data"}
_BARS = "▁▂▃▄▅▆▇█"


def value_text(value: float | None, unit: str) -> str:
    """A value as the summary shows it: `1.25%`, `0.812s`, `42`, or `–` for none."""
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.2f}%"
    if unit == "s":
        return f"{value:.3f}s"
    return f"{value:g}"


def interval_lines(interval: Interval, count: int) -> list[str]:
    """The log's lines for one interval: one per check, with the canary, the baseline and the limit."""
    traffic = "" if interval.requests is None else f", {interval.requests} canary requests"
    lines = [
        f"    interval {interval.number}/{count} ({interval.start[11:19]}–{interval.end[11:19]} UTC"
        f"{traffic}): {_MARK[interval.outcome]}"
    ]
    for r in interval.readings:
        baseline = "" if r.baseline is None else f"  baseline {value_text(r.baseline, r.unit)}"
        limit = "" if r.limit is None else f"  limit {value_text(r.limit, r.unit)}"
        value = "" if r.canary is None else f"  canary {value_text(r.canary, r.unit)}"
        lines.append(
            f"      {r.check:<24}{value}{baseline}{limit}  {_MARK[r.outcome]}"
            + (f" ({r.why})" if r.outcome != "pass" else "")
        )
    return lines


def _checks(analysis: Analysis) -> list[str]:
    return list(dict.fromkeys(r.check for i in analysis.intervals for r in i.readings))


def _reading(interval: Interval, check: str) -> Reading | None:
    return next((r for r in interval.readings if r.check == check), None)


def _cell(reading: Reading | None) -> str:
    if reading is None:
        return "–"
    text = value_text(reading.canary, reading.unit)
    if reading.baseline is not None:
        text += f" / {value_text(reading.baseline, reading.unit)}"
    icon = {"pass": "✅", "fail": "❌", "no data": "➖"}[reading.outcome]
    return f"{icon} {text}"


def markdown(analyses: Sequence[Analysis]) -> str:
    """The analyses as Markdown: per step a table (a row per check, a column per interval) and a chart."""
    parts = ["#### Canary analysis", ""]
    for analysis in analyses:
        icon = {"pass": "✅", "fail": "❌", "no data": "➖"}[analysis.verdict]
        parts += [f"{icon} **{analysis.step}**: {analysis.reason}", ""]
        numbers = [str(i.number) for i in analysis.intervals]
        parts.append("| check (canary / baseline) | limit | " + " | ".join(f"#{n}" for n in numbers) + " |")
        parts.append("|---|---|" + "---|" * len(numbers))
        for check in _checks(analysis):
            first = next(r for i in analysis.intervals if (r := _reading(i, check)) is not None)
            limits = {value_text(r.limit, r.unit) for i in analysis.intervals if (r := _reading(i, check))}
            limit = next(iter(limits)) if len(limits) == 1 else "varies"
            cells = " | ".join(_cell(_reading(i, check)) for i in analysis.intervals)
            parts.append(f"| {check.replace('|', '/')} ({first.unit or 'value'}) | {limit} | {cells} |")
        if any(i.requests is not None for i in analysis.intervals):
            requests = " | ".join("–" if i.requests is None else str(i.requests) for i in analysis.intervals)
            parts.append(f"| canary requests | | {requests} |")
        parts += ["", *mermaid(analysis), ""]
    return "\n".join(parts) + "\n"


def _charted(analysis: Analysis) -> list[str]:
    """The checks worth a chart: those with a value in some interval."""
    return [
        check
        for check in _checks(analysis)
        if any((r := _reading(i, check)) is not None and r.canary is not None for i in analysis.intervals)
    ]


def mermaid(analysis: Analysis) -> list[str]:
    """A Mermaid line chart per charted check: the canary's values, and the baseline's when there is one."""
    blocks: list[str] = []
    for check in _charted(analysis):
        canary = [_value(i, check, baseline=False) for i in analysis.intervals]
        baseline = [_value(i, check, baseline=True) for i in analysis.intervals]
        unit = next(r.unit for i in analysis.intervals if (r := _reading(i, check)) is not None)
        top = max([v for v in canary + baseline] + [0.0]) or 1.0
        labels = ", ".join(f'"#{i.number}"' for i in analysis.intervals)
        blocks += [
            "```mermaid",
            "xychart-beta",
            f'    title "{check} ({unit or "value"}): canary, then baseline"',
            f"    x-axis [{labels}]",
            f'    y-axis "{unit or "value"}" 0 --> {top * 1.2:.4g}',
            f"    line [{', '.join(f'{v:.4g}' for v in canary)}]",
        ]
        if any(r.baseline is not None for i in analysis.intervals if (r := _reading(i, check)) is not None):
            blocks.append(f"    line [{', '.join(f'{v:.4g}' for v in baseline)}]")
        blocks.append("```")
    return blocks


def _value(interval: Interval, check: str, *, baseline: bool) -> float:
    reading = _reading(interval, check)
    if reading is None:
        return 0.0
    value = reading.baseline if baseline else reading.canary
    return value if value is not None else 0.0


def text_lines(analyses: Sequence[Analysis]) -> list[str]:
    """The analyses for a job log: the verdict per step and a small chart per check (canary, baseline)."""
    lines: list[str] = []
    for analysis in analyses:
        lines.append(f"canary analysis at {analysis.step}: {analysis.verdict} — {analysis.reason}")
        for check in _charted(analysis):
            canary = [_value(i, check, baseline=False) for i in analysis.intervals]
            baseline = [_value(i, check, baseline=True) for i in analysis.intervals]
            top = max(canary + baseline) or 1.0
            unit = next(r.unit for i in analysis.intervals if (r := _reading(i, check)) is not None)
            lines.append(f"  {check:<24} canary   {_bars(canary, top)}  last {value_text(canary[-1], unit)}")
            if any(baseline):
                lines.append(
                    f"  {'':<24} baseline {_bars(baseline, top)}  last {value_text(baseline[-1], unit)}"
                )
    return lines


def _bars(values: Sequence[float], top: float) -> str:
    return "".join(_BARS[min(len(_BARS) - 1, int(v / top * (len(_BARS) - 1) + 0.5))] for v in values)

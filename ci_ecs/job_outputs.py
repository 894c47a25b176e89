"""Outputs for later jobs: the dotenv report, `$GITHUB_OUTPUT` and the job summary (DESIGN.md §2)."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from ci_ecs import timeline
from ci_ecs.analysis import report
from ci_ecs.aws.ecs import short_arn
from ci_ecs.model import DeploymentRecord, ServiceOutcome

DOTENV = Path("ci-ecs.env")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # what GitLab accepts as a variable name
# dotenv key → GitHub output name. Not CI_ECS_TASK_DEFINITION: that variable configures the template
# (`task_definition`), and dotenv variables reach later jobs with precedence over .gitlab-ci.yml.
_STANDARD = {
    "CI_ECS_IMAGE": "image",
    "CI_ECS_VERSION": "version",
    "CI_ECS_PREVIOUS_VERSION": "previous-version",
    "CI_ECS_TECHNIQUE": "technique",
    "CI_ECS_TASK_DEFINITION_ARN": "task-definition",
    "CI_ECS_SERVICES": "services",
    "DEPLOY_URL": "deploy-url",
}
# GitLab refuses a dotenv report of 5 KiB or more (the job would fail after its deploy): the list of services
# keeps to this much, its revisions as family:revision when their ARNs would not fit.
_SERVICES_BUDGET = 4096


def in_ci(env: Mapping[str, str]) -> bool:
    """Whether the job runs in CI (GitLab and GitHub set CI=true), the only place files for later jobs go."""
    return env.get("CI") == "true"


def output_values(record: DeploymentRecord, url: str | None = None) -> dict[str, str]:
    """The facts every job hands on, by dotenv key (empty ones left out)."""
    values = {
        "CI_ECS_IMAGE": record.details.get("image", ""),
        "CI_ECS_VERSION": record.version,
        "CI_ECS_PREVIOUS_VERSION": record.previous_version or "",
        "CI_ECS_TECHNIQUE": record.technique,
        "CI_ECS_TASK_DEFINITION_ARN": record.task_definition,
        "CI_ECS_SERVICES": services_json(record.services),
        "DEPLOY_URL": url or "",
    }
    return {key: value for key, value in values.items() if value}


def services_json(services: tuple[ServiceOutcome, ...]) -> str:
    """`services:`: each one's place, version, revision and state as a JSON list on one line ("" for none)."""
    if not services:
        return ""
    for revision in (str, short_arn):
        entries = [
            {
                "service": s.service,
                "cluster": s.cluster,
                "region": s.region,
                "version": s.version,
                "task_definition": revision(s.task_definition),
                "state": s.state,
            }
            for s in services
        ]
        text = json.dumps(entries, separators=(",", ":"))
        if len(text) <= _SERVICES_BUDGET:
            break
    return text


def output_name(key: str) -> str:
    """The GitHub output for a dotenv key: `CI_ECS_IMAGE` → `image`, `CI_ECS_FOO_BAR` → `foo-bar`."""
    return _STANDARD.get(key) or key.removeprefix("CI_ECS_").lower().replace("_", "-")


def dotenv_text(values: Mapping[str, str]) -> str:
    """`KEY=value` lines as GitLab's dotenv report reads them; refuses what it cannot carry."""
    for key, value in values.items():
        if not _KEY.fullmatch(key):
            raise ValueError(f"output {key!r}: a dotenv name has only letters, digits and _")
        if "\n" in value or "\r" in value:
            raise ValueError(f"output {key}: a GitLab dotenv report cannot carry a line break")
    return "".join(f"{key}={value}\n" for key, value in values.items())


def github_output_text(values: Mapping[str, str]) -> str:
    """`name<<DELIMITER` blocks, the `$GITHUB_OUTPUT` form that is safe for any value."""
    blocks = []
    for key, value in values.items():
        delimiter = f"ci_ecs_{uuid.uuid4().hex}"
        while delimiter in value:
            delimiter = f"ci_ecs_{uuid.uuid4().hex}"
        blocks.append(f"{output_name(key)}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(blocks)


def _duration(seconds: float) -> str:
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _facts(record: DeploymentRecord, duration: float | None, url: str | None) -> list[tuple[str, str]]:
    facts = [
        ("Version", record.version),
        ("Previous version", "" if record.unchanged else record.previous_version or ""),
        ("Technique", record.technique),
        ("Service", f"{record.service} on {record.cluster}"),
        ("Task definition", record.task_definition),
        ("Image", record.details.get("image", "")),
        ("Traffic", record.details.get("traffic", "")),
        ("Duration", _duration(duration) if duration is not None else ""),
        ("Link", url or ""),
        ("Reason", record.reason or ""),
    ]
    return [(label, value) for label, value in facts if value]


def _outcome(record: DeploymentRecord) -> str:
    if record.unchanged:
        return f"{record.command}: nothing was rolled back, {record.service} was already on {record.version}"
    done = "succeeded" if record.status == "success" else "failed"
    return f"{record.command} {done}: {record.version} on {record.service}"


def summary_lines(record: DeploymentRecord, duration: float | None, url: str | None) -> list[str]:
    """The job's outcome as plain lines, for the closing section of a GitLab log."""
    facts = [f"  {label.lower() + ':':<18}{value}" for label, value in _facts(record, duration, url)]
    return [
        _outcome(record),
        *facts,
        *_service_lines(record),
        *report.text_lines(record.analysis),
        *timeline.text_lines(record.timeline),
        *_hint_lines(record),
    ]


_COLUMNS = ("Service", "Cluster", "Version", "Task definition", "State")


def _service_rows(record: DeploymentRecord) -> list[tuple[str, ...]]:
    """`services:`: a row each — its cluster (and region, when they differ), the version and revision it
    runs at the end of the job, and its state."""
    regions = {s.region for s in record.services}
    return [
        (
            s.service,
            s.cluster + (f" ({s.region})" if len(regions) > 1 else ""),
            *_runs(record, s),
            s.state,
        )
        for s in record.services
    ]


def _runs(record: DeploymentRecord, s: ServiceOutcome) -> tuple[str, str]:
    """The version and revision the service runs at the end of the job ("-": not known)."""
    undone = s.state == "rolled back" and record.command != "rollback"  # a deploy's change put back
    if undone or s.state in ("not deployed", "not rolled back"):
        return s.previous_version or "-", short_arn(s.previous_task_definition or "") or "-"
    return s.version or "-", short_arn(s.task_definition) or "-"


def _service_lines(record: DeploymentRecord) -> list[str]:
    """Each service's row, in aligned columns."""
    rows = _service_rows(record)
    if not rows:
        return []
    widths = [max(len(cell) for cell in column) for column in zip(_COLUMNS, *rows, strict=False)]
    table = [_COLUMNS, *rows]
    return ["services:"] + [
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]


def _service_markdown(record: DeploymentRecord) -> str:
    """Each service's row, as a Markdown table."""
    rows = _service_rows(record)
    if not rows:
        return ""
    lines = ["#### Services", "", f"| {' | '.join(_COLUMNS)} |", "|---" * len(_COLUMNS) + "|"]
    for row in rows:
        cells = [_cell(label, value) for label, value in zip(_COLUMNS, row, strict=True)]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n" + "\n".join(lines) + "\n"


def _hint_lines(record: DeploymentRecord) -> list[str]:
    """The settings that made the job slow, the biggest cost first."""
    if not record.hints:
        return []
    lines = ["slow settings (the biggest cost first):"]
    return lines + [f"  {h.setting} is {h.value}: {h.advice}" for h in record.hints]


def _cell(label: str, value: str) -> str:
    if label == "Link":
        return f"<{value}>"
    value = " ".join(value.splitlines()).replace("|", "\\|")  # a line break would end the table
    plain = ("Duration", "Reason", "Traffic", "State")
    return value if "`" in value or label in plain or value == "-" else f"`{value}`"


def summary_markdown(record: DeploymentRecord, duration: float | None, url: str | None) -> str:
    """The job's outcome as a Markdown table for GitHub's job summary."""
    icon = "✅" if record.status == "success" else "❌"
    rows = [f"| {label} | {_cell(label, value)} |" for label, value in _facts(record, duration, url)]
    text = "\n".join([f"### {icon} ci-ecs {_outcome(record)}", "", "| | |", "|---|---|", *rows, ""]) + "\n"
    text += _service_markdown(record)
    text += "\n" + report.markdown(record.analysis) if record.analysis else ""
    gantt = timeline.mermaid(record.timeline, _outcome(record))
    text += "\n" + "\n".join(["#### Timeline", "", *gantt]) + "\n" if gantt else ""
    if record.hints:
        hints = [f"- **{h.setting}** is `{h.value}`: {h.advice}" for h in record.hints]
        text += "\n" + "\n".join(["#### Slow settings (the biggest cost first)", "", *hints]) + "\n"
    return text


def append_summary(path: str, text: str) -> None:
    """Add Markdown to GitHub's step summary file."""
    _append(path, text)


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(text)


def write_outputs(
    record: DeploymentRecord,
    values: Mapping[str, str],
    env: Mapping[str, str],
    *,
    dotenv: Path = DOTENV,
    duration: float | None = None,
    url: str | None = None,
    redact: Callable[[str], str] | None = None,
) -> None:
    """Write the dotenv report and, on GitHub, `$GITHUB_OUTPUT` and the step summary."""
    # `values` add to the standard outputs; a refused value raises ValueError before anything is written.
    mask = redact or (lambda text: text)
    outputs = {key: mask(value) for key, value in {**output_values(record, url), **values}.items()}
    write_values(outputs, env, dotenv=dotenv, summary=mask(summary_markdown(record, duration, url)))


def write_values(
    outputs: Mapping[str, str], env: Mapping[str, str], *, dotenv: Path = DOTENV, summary: str | None = None
) -> None:
    """Write outputs as the dotenv report and, on GitHub, to `$GITHUB_OUTPUT`, plus a Markdown summary."""
    text = dotenv_text(outputs)
    partial = dotenv.with_name(dotenv.name + ".tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, dotenv)  # a later job never reads half a file
    if env.get("GITHUB_OUTPUT"):
        _append(env["GITHUB_OUTPUT"], github_output_text(outputs))
    if env.get("GITHUB_STEP_SUMMARY") and summary:
        _append(env["GITHUB_STEP_SUMMARY"], summary)

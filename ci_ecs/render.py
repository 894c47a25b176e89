"""Task definitions as RegisterTaskDefinition input, from a template or the live revision; checks, diffs."""

from __future__ import annotations

import copy
import difflib
import json
import re
import traceback
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef, Release
from ci_ecs.redaction import MASK, looks_secret, redact
from ci_ecs.settings.yamlfile import load_yaml

__all__ = ["MASK", "diff", "from_live", "looks_secret", "redact_task_definition", "registerable"]
__all__ += ["render_template", "require_release_image", "retag", "validate"]
_TAG_VALUE = re.compile(r"[^\w\s+\-=.:/@]")  # what a tag value may not contain


@lru_cache(maxsize=1)
def _ecs_model() -> Any:
    import botocore.session  # here, not at import: start-up time counts

    return botocore.session.get_session().get_service_model("ecs")


@lru_cache(maxsize=1)
def _accepted() -> frozenset[str]:
    """The fields RegisterTaskDefinition accepts, by botocore's model of the API."""
    return frozenset(_ecs_model().operation_model("RegisterTaskDefinition").input_shape.members)


@lru_cache(maxsize=1)
def _read_only() -> frozenset[str]:
    """Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not take."""
    described = _ecs_model().operation_model("DescribeTaskDefinition").output_shape.members["taskDefinition"]
    return frozenset(described.members) - _accepted()


def registerable(td: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of the fields RegisterTaskDefinition accepts (read-only ones dropped)."""
    return {key: copy.deepcopy(value) for key, value in td.items() if key in _accepted()}


def _user_tags(tags: list[dict[str, str]]) -> list[dict[str, str]]:
    # `aws:` tags are AWS's own: RegisterTaskDefinition refuses them.
    return [dict(t) for t in tags if not str(t.get("key", "")).lower().startswith("aws:")]


def render_template(path: Path, release: Release, env: Mapping[str, str]) -> dict[str, Any]:
    """Render a Jinja2 task-definition template (YAML or JSON) for the release."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    def must_env(name: str) -> str:
        if name not in env:
            raise _Unset(name)
        return env[name]

    def env_or(name: str, default: str | None = None) -> str:
        return env.get(name, "" if default is None else default)

    loader = jinja2.FileSystemLoader(str(path.parent))
    jinja = SandboxedEnvironment(loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    jinja.globals.update(env=env_or, must_env=must_env)
    jinja.filters.update(env=env_or, must_env=must_env)
    context = {"image": release.reference, "version": release.version, "commit": release.commit or ""}
    try:
        text = jinja.get_template(path.name).render(context, repository=release.image.repository)
    except jinja2.TemplateSyntaxError as exc:
        problem = " ".join(str(exc.message).split())
        raise ConfigError(f"task_definition: {exc.filename or path}:{exc.lineno}: {problem}") from None
    except Exception as exc:  # a template is input: whatever breaks in it is a configuration error
        at = _template_line(exc, path)
        if isinstance(exc, _Unset):
            problem = f"must_env: variable {exc} is not set"
        elif isinstance(exc, jinja2.TemplateNotFound):
            problem = f"template {exc.name!r} not found in {path.parent}"
        elif isinstance(exc, jinja2.UndefinedError):
            problem = f"undefined variable: {exc.message}"
        else:
            problem = f"{type(exc).__name__}: {exc}"
        raise ConfigError(f"task_definition: {at}: {' '.join(problem.split())}") from None
    data = load_yaml(text, f"task_definition: {path} (as rendered)")
    if not isinstance(data, dict):
        raise ConfigError(f"task_definition: {path}: expected a mapping, got {type(data).__name__}")
    if isinstance(data.get("taskDefinition"), dict):  # a saved describe-task-definition output
        data = {"tags": data.get("tags"), **data["taskDefinition"]}
    if isinstance(data.get("tags"), list):
        data["tags"] = _user_tags(data["tags"])
    return {k: v for k, v in data.items() if k not in _read_only() and v not in (None, [])}


class _Unset(Exception):
    """must_env() of a variable that is not set."""


def _template_line(exc: BaseException, path: Path) -> str:
    """`file:line` of the innermost template frame, which Jinja2 puts in the traceback."""
    found, root = str(path), path.parent.resolve()
    for frame in traceback.extract_tb(exc.__traceback__):
        if not frame.filename.endswith(".py") and Path(frame.filename).resolve().is_relative_to(root):
            found = f"{frame.filename}:{frame.lineno}"
    return found


def from_live(
    live: dict[str, Any], live_tags: list[dict[str, str]], release: Release, containers: tuple[str, ...]
) -> dict[str, Any]:
    """The live revision, registerable, with the release's image in the chosen containers."""
    td = registerable(live)
    td.pop("tags", None)
    if _user_tags(live_tags):
        td["tags"] = _user_tags(live_tags)
    defs: list[dict[str, Any]] = td.get("containerDefinitions") or []
    label = f"task definition {live.get('family')}:{live.get('revision')}"
    chosen = _chosen(defs, label, release, containers, "container", "set `container:` to the ones to update")
    for container in defs:
        if container.get("name") in chosen:
            container["image"] = release.reference
    return td


def require_release_image(
    td: Mapping[str, Any], release: Release, containers: tuple[str, ...], path: Path
) -> None:
    """ConfigError unless the containers to update (`containers`, else those of the release's repository) of
    a rendered template run the release's image: a template that ignores `{{ image }}` deploys nothing new."""
    defs = [c for c in td.get("containerDefinitions") or [] if isinstance(c, dict)]
    use = "use {{ image }} as the image of the containers to update"
    chosen = _chosen(defs, str(path), release, containers, "task_definition", use)
    for container in defs:
        image = str(container.get("image", ""))
        if container.get("name") in chosen and not _runs(image, release):
            raise ConfigError(
                f"task_definition: container {container.get('name')!r} of {path} runs {image}, not the "
                f"release's image {release.reference} — {use}"
            )


def _chosen(
    defs: list[dict[str, Any]], label: str, release: Release, containers: tuple[str, ...], key: str, fix: str
) -> set[str]:
    """The names of the containers to update: `containers` (each must exist), else those of the release's
    repository (at least one)."""
    names = [str(c.get("name")) for c in defs]
    if containers:
        for name in containers:
            if name not in names:
                raise ConfigError(f"container: {name!r} is not in {label} (containers: {', '.join(names)})")
        return set(containers)
    wanted = _repository(release.image.repository)
    chosen = {
        n
        for n, c in zip(names, defs, strict=True)
        if _repository(ImageRef.parse(str(c.get("image", ""))).repository) == wanted
    }
    if not chosen:
        images = ", ".join(f"{n}={c.get('image')}" for n, c in zip(names, defs, strict=True))
        raise ConfigError(
            f"{key}: no container of {label} runs an image from {release.image.repository} ({images}); {fix}"
        )
    return chosen


def release_containers(td: Mapping[str, Any], release: Release) -> list[str]:
    """The names of a task definition's containers that run the release's image."""
    defs = [c for c in td.get("containerDefinitions") or [] if isinstance(c, dict)]
    return [str(c.get("name")) for c in defs if _runs(str(c.get("image", "")), release)]


def _runs(image: str, release: Release) -> bool:
    """Whether an image reference is the release's image: its repository, and its digest (else its tag)."""
    ref = ImageRef.parse(image)
    if _repository(ref.repository) != _repository(release.image.repository):
        return False
    if ref.digest:
        return ref.digest == release.image.digest
    return ref.tag is not None and ref.tag == release.image.tag


def _repository(repository: str) -> str:
    """A repository as Docker resolves it: `nginx` and `docker.io/library/nginx` are the same."""
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        repository = repository.removeprefix(prefix)
    return repository.removeprefix("library/") if repository.count("/") == 1 else repository


def retag(td: dict[str, Any], tags: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """A copy whose tags starting with `prefix` are replaced by `tags` (values cleaned for AWS)."""
    kept = [dict(t) for t in td.get("tags") or [] if not str(t.get("key", "")).startswith(prefix)]
    # Tag values allow only letters, digits, spaces and + - = . _ : / @, up to 256 characters.
    kept += [{"key": k, "value": _TAG_VALUE.sub("_", v)[:256]} for k, v in tags.items() if v]
    return {**copy.deepcopy(td), "tags": kept}


def validate(td: dict[str, Any]) -> None:
    """Check a task definition against botocore's RegisterTaskDefinition input shape, and a few rules more."""
    from botocore.validate import ParamValidator

    shape = _ecs_model().operation_model("RegisterTaskDefinition").input_shape
    problems = [_problem(error) for error in ParamValidator().validate(td, shape)._errors]
    if isinstance(td.get("family"), str) and not td["family"].strip():
        problems.append("family: must not be empty")
    defs = td.get("containerDefinitions")
    if isinstance(defs, list):
        if not defs:
            problems.append("containerDefinitions: at least one container is needed")
        seen: set[str] = set()
        for i, container in enumerate(d for d in defs if isinstance(d, dict)):
            for key in ("name", "image"):
                if not container.get(key):
                    problems.append(f"containerDefinitions[{i}].{key}: missing")
            if container.get("name") in seen:
                problems.append(f"containerDefinitions[{i}].name: {container['name']!r} is used twice")
            seen.add(str(container.get("name")))
    if problems:
        raise ConfigError("task_definition: " + "; ".join(problems))  # one line, as every error


def _problem(error: tuple[str, str, dict[str, Any]]) -> str:
    """One botocore validation error as `path: what is wrong`, never echoing an environment value."""
    kind, name, extra = error
    path = name.lstrip(".")
    at = f"{path}." if path else ""
    value = extra.get("param")
    hidden = any(
        word in path for word in ("environment", "secret", "options", "dockerLabels")
    ) or looks_secret(path, str(value))
    shown = f"{type(value).__name__} (value hidden)" if hidden else repr(value)[:80]
    if kind == "missing required field":
        return f"{at}{extra['required_name']}: missing"
    if kind == "unknown field":
        close = difflib.get_close_matches(extra["unknown_param"], extra["valid_names"], n=1)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        return f"{at}{extra['unknown_param']}: unknown field{hint}"
    if kind == "invalid type":
        expected = " or ".join(re.sub(r"<class '(\w+)'>", r"\1", t) for t in extra["valid_types"])
        return f"{path}: expected {expected}, got {shown}{_type_fix(path, expected, value, hidden)}"
    if kind in ("invalid range", "invalid length"):
        what = "value" if kind == "invalid range" else "length"
        return f"{path}: {what} below the minimum {extra['min_allowed']}, got {shown}"
    return f"{path or 'task definition'}: {kind}"


_NUMBER = re.compile(r"\s*-?\d+(\.\d+)?\s*")


def _type_fix(path: str, expected: str, value: object, hidden: bool) -> str:
    """How to write a value YAML read as the wrong scalar type: quoted, or without quotes."""
    field = re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1])
    if expected == "str" and isinstance(value, bool | int | float):
        # YAML reads 256, 0.5 and true as a number or a boolean; ECS wants these fields as strings.
        if hidden:
            return " — quote the value in the template"
        text = str(value).lower() if isinstance(value, bool) else str(value)
        return f' — quote it in the template: {field}: "{text}"'
    if expected in ("int", "float") and isinstance(value, str) and _NUMBER.fullmatch(value):
        unquoted = "" if hidden else f": {field}: {value.strip()}"
        return f" — write it without quotes in the template{unquoted}"
    return ""


def redact_task_definition(td: dict[str, Any]) -> dict[str, Any]:
    """A copy in which secret-looking values (environment, log options, labels, ...) read `****`."""
    redacted: dict[str, Any] = redact(td)
    return redacted


def diff(live: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Unified-diff lines from the live to the new task definition, secret-looking values redacted."""

    def lines(td: dict[str, Any], masked: bool) -> list[str]:
        clean = {k: v for k, v in td.items() if k not in _read_only()}
        return json.dumps(
            redact(clean) if masked else clean, indent=2, sort_keys=True, default=str
        ).splitlines()

    # Compare the real values, show the redacted ones: a changed secret shows as a changed line of
    # `****`. Redaction only replaces strings by strings, so both have the same lines.
    before, after = lines(live, False), lines(new, False)
    shown_before, shown_after = lines(live, True), lines(new, True)
    out: list[str] = []
    for group in difflib.SequenceMatcher(None, before, after, autojunk=False).get_grouped_opcodes(3):
        a0, a1, b0, b1 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{a0 + 1},{a1 - a0} +{b0 + 1},{b1 - b0} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [f" {line}" for line in shown_before[i1:i2]]
                continue
            out += [f"-{line}" for line in shown_before[i1:i2]]
            out += [f"+{line}" for line in shown_after[j1:j2]]
    return ["--- live", "+++ new", *out] if out else []

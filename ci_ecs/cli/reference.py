"""The configuration reference, docs/configuration.md, written from the key table and the CLI's options."""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any, get_type_hints

from ci_ecs.cli import app
from ci_ecs.settings.keys import KEYS, Key, flag_name, variable_name
from ci_ecs.settings.values import boolean

REFERENCE = Path("docs/configuration.md")
COMMAND = "python -m ci_ecs.cli.reference"
ENVIRONMENTS_EXAMPLE = """\
region: eu-west-1
cluster: staging
service: web
image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web
environments:
  production:
    cluster: prod
    wait:
      timeout: 30m
  review/*:
    cluster: review
  staging:
"""
_INTRO = f"""\
# Configuration reference

<!-- Written by `{COMMAND}` from the settings model: change the model, then run it. -->

ci-ecs reads `ci-ecs.yml` from the working directory (another file: `--config FILE`). Every key can also
come from an environment variable, and some from a flag of the commands that use them. Keys with a dot
are nested in the file: `wait.timeout` is written

```yaml
wait:
  timeout: 15m
```

and set by the variable `CI_ECS_WAIT_TIMEOUT` (nested keys joined by `_`). An unknown key is an error
that names it and suggests the closest known one; nothing is changed in AWS. So is a key for another
technique or canary mode than the one configured (`canary.weight` with `canary.mode: task`,
`codedeploy:` keys without `strategy: codedeploy`): it would do nothing. The exception is a key shared
at the top of the file when an environment's own section picks another strategy: it still serves the
other environments.

## Where a value comes from

The first of these that sets a key wins:

1. a flag, e.g. `--cluster prod`;
2. a `CI_ECS_` variable, e.g. `CI_ECS_CLUSTER=prod` (a variable set to an empty value counts as not set);
3. the file's `environments.<name>` section for the job's environment (see below);
4. the file's top-level keys;
5. the default.

A path in the file (`task_definition`) is relative to the file; from a variable or a flag, it is relative
to the working directory.
"""
_ENVIRONMENTS = f"""\
## Environments

One file can serve every environment: the `environments:` section maps environment names to keys that
replace the top-level ones for that environment.

```yaml
{ENVIRONMENTS_EXAMPLE}```

The job's environment is `--environment NAME`, else the variable `CI_ENVIRONMENT_NAME` (GitLab sets it in
jobs that have an `environment:`). Its section is the one of that exact name, else the first pattern that
matches it: a name with `*`, `?` or `[…]` is a pattern, so `review/*` serves `review/feature-x`. A section
may hold every key above, and may be empty (`staging:` above: the top-level keys as they are).

Once the file has an `environments:` section, every environment a job runs for must be listed there, by
name or by a pattern: any other is an error that lists the environments defined, so that a misspelt
environment never deploys with another's settings. Without the section, any environment name is fine.
Every section is checked, also those not in effect.
"""


def keys_with_flags() -> frozenset[str]:
    """The keys the CLI has a flag for: those a `[key: …]` in the help of a command's option names."""
    # The CLI is the truth about its flags: the reference reads them there, the settings never need to.
    found: set[str] = set()
    for command in app.registered_commands:
        if command.callback is not None:
            found.update(_keys_in_help(get_type_hints(command.callback, include_extras=True).values()))
    return frozenset(found)


def _keys_in_help(hints: Iterable[Any]) -> set[str]:
    """The keys named in the help texts of annotated options."""
    helps = [getattr(info, "help", None) for hint in hints for info in getattr(hint, "__metadata__", ())]
    return {key for text in helps for key in re.findall(r"\[key: ([\w.]+)", text or "")}


def _flag(key: str, spec: Key, flagged: Collection[str]) -> str:
    if key not in flagged:
        return "—"
    flag = flag_name(key)
    return f"`{flag}` / `--no-{flag[2:]}`" if spec.convert is boolean else f"`{flag}`"


def _default(spec: Key) -> str:
    if spec.required:
        return "required"
    if spec.required_with:
        chooser, chosen = spec.required_with
        unless = f" (unless `{spec.replaced_by}` is given)" if spec.replaced_by else ""
        return f"required with `{chooser}: {chosen}`{unless}"
    return spec.default or "—"


def _table(keys: Iterable[str], flagged: Collection[str]) -> list[str]:
    rows = ["| key | variable | flag | default | values | meaning |", "|---|---|---|---|---|---|"]
    for key in keys:
        spec = KEYS[key]
        cells = [f"`{key}`", f"`{variable_name(key)}`", _flag(key, spec, flagged), _default(spec)]
        rows.append("| " + " | ".join([*cells, spec.convert.accepts, spec.meaning]) + " |")
    return rows


def reference_markdown(flagged: Collection[str]) -> str:
    """The reference: precedence, every key (its variable, flag where `flagged`, default), environments."""
    groups: dict[str, list[str]] = {}
    for key in KEYS:
        groups.setdefault(key.partition(".")[0] if "." in key else "", []).append(key)
    lines = [_INTRO, "## Keys", ""]
    for group, keys in groups.items():
        lines += [f"### `{group}:`" if group else "### Top level", "", *_table(keys, flagged), ""]
    return "\n".join([*lines, _ENVIRONMENTS])


def main() -> None:
    """Write the reference to docs/configuration.md under the working directory."""
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE.write_text(reference_markdown(keys_with_flags()), encoding="utf-8")
    print(f"wrote {REFERENCE}", file=sys.stderr)


if __name__ == "__main__":
    main()

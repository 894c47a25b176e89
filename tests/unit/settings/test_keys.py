"""The key table: variable and flag names, the flags the CLI has, and the defaults the reference shows."""

from __future__ import annotations

import typer.main

from ci_ecs.cli import app
from ci_ecs.cli.reference import keys_with_flags
from ci_ecs.settings import GROUPS, KEYS, Settings, flag_name, variable_name


def test_variable_and_flag_names_follow_the_key() -> None:
    assert variable_name("wait.poll_first") == "CI_ECS_WAIT_POLL_FIRST"
    assert variable_name("task_definition") == "CI_ECS_TASK_DEFINITION"
    assert flag_name("wait.poll_first") == "--wait-poll-first"
    assert flag_name("task_definition") == "--task-definition"


def test_every_cli_option_for_a_key_is_spelt_as_flag_name_says_and_the_reference_finds_it() -> None:
    named: dict[str, set[str]] = {}
    for command in typer.main.get_group(app).commands.values():
        for option in command.params:
            help_text = getattr(option, "help", None) or ""
            if "[key: " in help_text:
                key = help_text.split("[key: ", 1)[1].split(";")[0].split("]")[0]
                named.setdefault(key, set()).update(option.opts)
    assert set(named) <= set(KEYS)
    assert {key: {flag_name(key)} for key in named} == named
    assert keys_with_flags() == set(named)


def test_the_groups_are_the_prefixes_of_the_dotted_keys() -> None:
    assert GROUPS == (
        "rolling",
        "wait",
        "canary",
        "codedeploy",
        "switch",
        "native",
        "analysis",
        "lock",
        "review",
        "diagnostics",
        "notify",
    )


def _actual_default(key: str) -> object:
    settings = Settings(cluster="main", service="web")
    if key == "rolling.circuit_breaker":  # the one key Settings keeps outside its group
        return settings.circuit_breaker
    group, _, name = key.rpartition(".")
    return getattr(getattr(settings, group) if group else settings, name)


def test_a_default_shown_as_a_value_is_the_value_settings_default_to() -> None:
    checked = []
    for key, spec in KEYS.items():
        actual = _actual_default(key)
        if not spec.required and actual not in (None, "", ()):  # else the reference says it in words
            assert spec.default.startswith("`") and spec.default.endswith("`"), key
            assert spec.convert(spec.default.strip("`"), key, "the reference") == actual, key
            checked.append(key)
    assert "wait.timeout" in checked and "strategy" in checked and "switch.overlap" in checked

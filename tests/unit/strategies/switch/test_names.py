"""Names of a switch version's service and target group: valid, at most 32 characters, stable."""

from __future__ import annotations

import re

import pytest

from ci_ecs.errors import ConfigError
from ci_ecs.strategies.switch.names import check_prefix, names

VALID_GROUP = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")


def test_short_versions_keep_the_plain_names() -> None:
    found = names("web-sw", "web-sw", "v2")
    assert (found.service, found.target_group) == ("web-sw-v2", "web-sw-v2")


def test_a_long_version_is_shortened_to_32_characters_with_a_stable_hash() -> None:
    version = "20261122-1530-0123456789abcdef0123456789abcdef01234567"
    first, again = names("web-sw", "prod-web-sw", version), names("web-sw", "prod-web-sw", version)
    assert first == again
    assert len(first.target_group) == 32
    assert VALID_GROUP.fullmatch(first.target_group)
    assert first.target_group.startswith("prod-web-sw-20261122-")
    assert first.service == f"web-sw-{version}"  # ECS allows 255 characters


def test_versions_that_shorten_alike_get_different_names() -> None:
    base = "release-candidate-number-"
    one, two = names("web", "web", base + "1"), names("web", "web", base + "2")
    assert one.target_group != two.target_group
    assert names("web", "web", "1.2").target_group != names("web", "web", "1-2").target_group


def test_characters_a_target_group_refuses_are_replaced() -> None:
    found = names("web", "web", "1.2.3_rc1")
    assert VALID_GROUP.fullmatch(found.target_group)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", found.service)
    assert found.target_group.startswith("web-1-2-3-rc1-")


def test_the_longest_prefix_still_leaves_a_valid_name() -> None:
    prefix = "p" * 23
    found = names("web", prefix, "-" * 5 + "x" * 40)
    assert len(found.target_group) <= 32
    assert VALID_GROUP.fullmatch(found.target_group)


@pytest.mark.parametrize("prefix", ["-web", "web-", "web_sw", "x" * 24, "", "internal-web"])
def test_a_prefix_a_target_group_cannot_start_with_is_a_config_error(prefix: str) -> None:
    with pytest.raises(ConfigError, match=r"switch\.name_prefix"):
        check_prefix(prefix)

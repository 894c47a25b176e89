"""Review environments: the slug, the names (≤ 32 characters), the rule's condition, the URL, the priority."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_ecs.errors import ConfigError, PreconditionError
from ci_ecs.review.names import clean, conditions, lowest_free, names, slug_of, url
from ci_ecs.settings.review import ReviewSettings
from tests.unit.settings.loading import BASE, fails, load

LISTENER = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/site/50dc6c495c0c9188/f2f7dc8efc522ab2"
)


def test_the_slug_is_the_environment_name_after_its_first_slash_cleaned() -> None:
    assert slug_of("review/Feature_X", {}) == "feature-x"
    assert slug_of("review/fix/login--page", {}) == "fix-login-page"
    assert slug_of("review/" + "a" * 80, {}) == "a" * 63
    assert clean("--Ünïcode branch!--") == "n-code-branch"


def test_a_github_pull_request_without_a_slash_in_its_environment_is_pr_number() -> None:
    pull = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/42/merge"}
    assert slug_of("preview", pull) == "pr-42"
    assert slug_of("review/pr-7", pull) == "pr-7"  # the environment's name wins
    assert slug_of("preview", {"GITHUB_REF": "refs/heads/main"}) == "preview"


def test_no_slug_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--environment review/<branch>"):
        slug_of("review/--", {})
    with pytest.raises(ConfigError):
        slug_of(None, {})


def test_names_fit_target_group_limits_with_a_stable_hash() -> None:
    short = names("web", "feature-x")
    assert (short.service, short.target_group) == ("web-feature-x", "web-feature-x")
    long = names("checkout-frontend-service", "a-very-long-branch-name-for-review")
    assert long.service == "checkout-frontend-service-a-very-long-branch-name-for-review"
    assert len(long.target_group) <= 32
    assert long.target_group.startswith("checkout-frontend-se-")
    assert long == names("checkout-frontend-service", "a-very-long-branch-name-for-review")
    other = names("checkout-frontend-service", "a-very-long-branch-name-for-reviews")
    assert other.target_group != long.target_group
    assert names("my_service", "x").target_group == "my-service-x"


def test_the_rule_matches_the_host_or_the_path() -> None:
    host = ReviewSettings(LISTENER, host="{slug}.review.example.com")
    assert conditions(host, "pr-1") == [
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["pr-1.review.example.com"]}}
    ]
    path = ReviewSettings(LISTENER, path="/{slug}/*")
    assert conditions(path, "pr-1") == [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/pr-1/*"]}}
    ]


def test_the_url_follows_the_listener() -> None:
    host = ReviewSettings(LISTENER, host="{slug}.review.example.com")
    assert url(host, "pr-1", "HTTPS", 443, "") == "https://pr-1.review.example.com/"
    assert url(host, "pr-1", "HTTP", 8080, "") == "http://pr-1.review.example.com:8080/"
    path = ReviewSettings(LISTENER, path="/{slug}/*")
    assert url(path, "pr-1", "HTTP", 80, "lb-1.elb.amazonaws.com") == "http://lb-1.elb.amazonaws.com/pr-1/"


def test_the_lowest_free_priority_is_taken() -> None:
    assert lowest_free(["default"]) == 1
    assert lowest_free(["1", "2", "4", "default"]) == 3
    assert lowest_free([str(p) for p in range(1, 11)]) == 11
    with pytest.raises(PreconditionError):
        lowest_free(range(1, 50001))


def test_review_settings_are_checked_naming_the_key(tmp_path: Path) -> None:
    listener = f"review:\n  listener: {LISTENER}\n"
    good = load(tmp_path, BASE + listener + '  host: "{slug}.review.example.com"\n  max: 3\n')
    assert good.review == ReviewSettings(LISTENER, host="{slug}.review.example.com", max=3)
    assert good.review.enabled and not load(tmp_path).review.enabled
    assert fails(tmp_path, BASE + listener).startswith("review.host: missing")
    both = BASE + listener + '  host: "{slug}.x.com"\n  path: "/{slug}/*"\n'
    assert fails(tmp_path, both).startswith("review.path: given with review.host")
    assert fails(tmp_path, BASE + 'review:\n  host: "{slug}.x.com"\n').startswith("review.listener: missing")
    assert fails(tmp_path, BASE + listener + "  host: review.example.com\n").startswith(
        "review.host: expected"
    )
    assert fails(tmp_path, BASE + listener + "  path: '{slug}/*'\n").startswith("review.path: expected")
    assert fails(tmp_path, BASE + listener + '  host: "{slug}.x.com"\n  max: 0\n').startswith("review.max:")


def test_a_review_environment_pattern_section_makes_review_environments_only(tmp_path: Path) -> None:
    text = BASE + (
        "environments:\n  production: {}\n  review/*:\n    review:\n"
        f"      listener: {LISTENER}\n      path: /{{slug}}/*\n"
    )
    assert load(tmp_path, text, environment="review/x").review.enabled
    assert not load(tmp_path, text, environment="production").review.enabled

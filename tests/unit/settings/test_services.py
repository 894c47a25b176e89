"""`services:` and `on_failure`: entries, inheritance, waves from `after:`, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_ecs.settings import of_service
from ci_ecs.settings.services import ServiceEntry, waves
from tests.unit.settings.loading import fails, load

SEVERAL = """cluster: main
image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop
container: app
services:
  - service: web
  - service: worker
    container: [worker]
  - service: scheduler
    cluster: jobs
    after: worker
"""


def test_services_inherit_the_top_level_keys_they_do_not_set(tmp_path: Path) -> None:
    settings = load(tmp_path, SEVERAL)

    assert settings.service == ""
    assert settings.on_failure == "rollback-all"
    web, worker, scheduler = (of_service(settings, e) for e in settings.services)
    assert (web.service, web.cluster, web.container) == ("web", "main", ("app",))
    assert (worker.cluster, worker.container) == ("main", ("worker",))
    assert (scheduler.cluster, scheduler.container) == ("jobs", ("app",))
    assert scheduler.image == settings.image and scheduler.services == ()


def test_after_makes_waves_and_the_rest_go_together() -> None:
    entries = (
        ServiceEntry("web", after=("worker",)),
        ServiceEntry("worker", after=("migrate",)),
        ServiceEntry("scheduler"),
        ServiceEntry("migrate"),
    )

    assert [[e.service for e in wave] for wave in waves(entries)] == [
        ["scheduler", "migrate"],
        ["worker"],
        ["web"],
    ]


def test_without_after_all_services_are_one_wave() -> None:
    assert len(waves((ServiceEntry("a"), ServiceEntry("b"), ServiceEntry("c")))) == 1


@pytest.mark.parametrize(
    ("entries", "start"),
    [
        (
            "  - service: a\n    after: b\n  - service: b\n    after: a\n",
            "services: `after:` goes round in a circle",
        ),
        ("  - service: a\n    after: nope\n", "services[0].after: nope is not another service"),
        ("  - service: a\n    after: a\n", "services[0].after: a is not another service"),
        ("  - service: a\n  - service: a\n", "services[1].service: a is listed twice"),
        ("  - cluster: main\n", "services[0].service: missing"),
        ("  - service: a\n    regoin: eu-west-1\n", "unknown key 'services[0].regoin'"),
        ("  - service: a\n    image: x/y\n", "services[0].image: applies to the whole job"),
        (
            "  - service: a\n    notify:\n      events: [start]\n",
            "services[0].notify: applies to the whole job",
        ),
        ("  - service: a\n    wait:\n      timeout: soon\n", "wait.timeout: expected a number of seconds"),
        ("  []\n", "services: expected a list of services"),
    ],
)
def test_mistakes_in_services_name_the_entry(tmp_path: Path, entries: str, start: str) -> None:
    message = fails(tmp_path, "cluster: main\nservices:\n" + entries)
    assert message.startswith(start), message


@pytest.mark.parametrize(
    ("extra", "strategy", "mode"),
    [
        ("strategy: codedeploy\n", "codedeploy", None),
        ("strategy: native\n", "native", None),
        ("canary:\n  mode: task\n", "rolling", "task"),
    ],
)
def test_every_service_may_have_a_technique_and_canary_of_its_own(
    tmp_path: Path, extra: str, strategy: str, mode: str | None
) -> None:
    settings = load(tmp_path, SEVERAL + extra)

    each = [of_service(settings, e) for e in settings.services]
    assert [(s.strategy, s.canary.mode) for s in each] == [(strategy, mode)] * 3


def test_a_service_s_own_keys_win_over_the_shared_ones_for_it_alone(tmp_path: Path) -> None:
    text = SEVERAL.replace(
        "    container: [worker]\n",
        "    container: [worker]\n    region: us-west-2\n    wait:\n      timeout: 20m\n",
    )
    settings = load(tmp_path, text + "region: eu-west-1\n", flags={"wait.timeout": "5m"})

    web, worker, _ = (of_service(settings, e) for e in settings.services)
    assert (web.region, web.wait.timeout) == ("eu-west-1", 300)
    assert (worker.region, worker.wait.timeout) == ("us-west-2", 1200)
    assert worker.sources["wait.timeout"].startswith("services[1] in file ")
    assert worker.service == "worker" and worker.services == () and worker.each_service == ()


def test_a_key_of_another_technique_in_a_service_is_named_with_its_entry(tmp_path: Path) -> None:
    message = fails(
        tmp_path,
        SEVERAL.replace("    after: worker\n", "    after: worker\n    native:\n      type: canary\n"),
    )
    assert message.startswith("native.type: applies only with strategy native"), message
    assert "services[2] in file" in message, message


def test_service_and_services_together_is_a_mistake(tmp_path: Path) -> None:
    assert fails(tmp_path, SEVERAL + "service: web\n").startswith("service: given with services")


def test_every_service_needs_a_cluster(tmp_path: Path) -> None:
    message = fails(tmp_path, "services:\n  - service: web\n    cluster: main\n  - service: worker\n")
    assert message.startswith("services[1].cluster: missing"), message


def test_on_failure_keep_and_its_checks(tmp_path: Path) -> None:
    assert load(tmp_path, SEVERAL + "on_failure: keep\n").on_failure == "keep"
    assert fails(tmp_path, SEVERAL + "on_failure: never\n").startswith("on_failure: 'never' is not one of")
    assert fails(tmp_path, "cluster: main\nservice: web\non_failure: keep\n").startswith(
        "on_failure: applies only with `services:`"
    )


def test_services_from_a_variable_in_yaml(tmp_path: Path) -> None:
    env = {"CI_ECS_SERVICES": "[{service: web}, {service: worker, after: [web]}]"}
    settings = load(tmp_path, "cluster: main\n", env=env)
    assert [e.service for e in settings.services] == ["web", "worker"]
    assert settings.services[1].after == ("web",)


TWO_REGIONS = """cluster: main
region: us-east-1
services:
  - service: web
  - service: web
    region: eu-west-1
  - service: worker
    after: web
"""


def test_the_same_service_in_two_regions_is_two_services_named_with_their_regions(tmp_path: Path) -> None:
    settings = load(tmp_path, TWO_REGIONS)

    here, there, worker = (of_service(settings, e) for e in settings.services)
    assert (here.region, there.region) == ("us-east-1", "eu-west-1")
    assert [s.name for s in (here, there, worker)] == ["web (us-east-1)", "web (eu-west-1)", "worker"]
    # `after: web` waits for every entry of that name
    assert [[e.service for e in wave] for wave in waves(settings.services)] == [["web", "web"], ["worker"]]


def test_the_same_service_in_two_accounts_is_named_with_its_account(tmp_path: Path) -> None:
    role = "arn:aws:iam::210987654321:role/deployer"
    settings = load(
        tmp_path, f"cluster: main\nservices:\n  - service: web\n  - service: web\n    role_arn: {role}\n"
    )

    assert [of_service(settings, e).name for e in settings.services] == [
        "web (the job's account)",
        "web (210987654321)",
    ]


@pytest.mark.parametrize(
    "entries",
    [
        "  - service: web\n    region: eu-west-1\n  - service: web\n    region: eu-west-1\n",
        # the same place, once inherited and once written out
        "  - service: web\n  - service: web\n    cluster: main\n    region: us-east-1\n",
    ],
)
def test_the_same_service_cluster_region_and_account_twice_exits_2_naming_both(
    tmp_path: Path, entries: str
) -> None:
    message = fails(tmp_path, "cluster: main\nregion: us-east-1\nservices:\n" + entries)

    assert message.startswith("services[1].service: web is listed twice (services[0] and services[1]"), (
        message
    )

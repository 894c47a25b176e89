"""Fixtures for every test directory: the private dockerd and local registry of tests/docker_services.py.

Also the order the workers start tests in: the long modules first (see `pytest_collection_modifyitems`).
"""

from __future__ import annotations

import os

import pytest

pytest_plugins = ("tests.docker_services",)

# No sandbox serves EC2 images (Fargate only): moto's 1,300 default AMIs cost 0.2 s of CPU at each reset.
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

# The modules whose tests run for minutes (a kill or cancel after many AWS calls, each on a reseeded
# sample; image builds; 30 faulted jobs), longest first. Started first, they end while the many short tests
# still keep the other worker busy (`--dist worksteal` balances the rest): run last, one of them kept a
# single worker busy for the suite's last quarter of an hour while the other had nothing left to do.
LONG_FIRST = (
    "tests/integration/test_switch_routes.py",
    "tests/integration/test_switch_kill.py",
    "tests/integration/test_kill_at_every_step.py",
    "tests/integration/test_native.py",
    "tests/integration/test_cancel.py",
    "tests/integration/test_rollback_scope.py",
    "tests/integration/test_fault_mix.py",
    "tests/integration/test_lost_responses.py",
    "tests/ci/test_image.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the tests of LONG_FIRST's modules first, in that order; every other test keeps its place."""

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONG_FIRST.index(path) if path in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)  # stable: a module's tests stay together and in order

"""Fixtures for every test directory: the private dockerd and local registry of tests/docker_services.py."""

pytest_plugins = ("tests.docker_services",)

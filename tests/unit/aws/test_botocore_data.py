"""The image keeps botocore's models for SERVICES only: every client the package makes must be one of them."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

import pytest

from ci_ecs.aws.botocore_data import SERVICES, main, prune
from ci_ecs.aws.clients import Aws

PACKAGE = Path(__file__).resolve().parents[3] / "ci_ecs"


def _clients_made() -> dict[str, list[str]]:
    """Every `….client(<first argument>)` outside the sandbox (which the image does not install), by the
    argument's source: a literal service name, or an expression the test cannot check."""
    made: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "sandbox" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            if node.func.attr == "client":
                argument = ast.unparse(node.args[0]) if node.args else "<none>"
                made.setdefault(argument, []).append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return made


def test_every_client_the_package_makes_is_for_a_service_the_image_keeps() -> None:
    made = _clients_made()
    literal = {ast.literal_eval(a) for a in made if re.fullmatch(r"'[^']*'|\"[^\"]*\"", a)}
    other = {a: where for a, where in made.items() if not re.fullmatch(r"'[^']*'|\"[^\"]*\"", a)}

    # Only clients.py passes a name it was given (its `service` argument) on to boto3.
    assert all(where.startswith("aws/clients.py:") for a in other for where in other[a]), other
    missing = literal - set(SERVICES)
    assert not missing, f"add {sorted(missing)} to ci_ecs/aws/botocore_data.py SERVICES: the image drops them"
    assert literal == set(SERVICES), f"no client made for {sorted(set(SERVICES) - literal)}: drop it"


def test_the_typed_overloads_of_aws_client_are_the_same_services() -> None:
    typed = set()
    for overload in typing.get_overloads(Aws.client):
        typed |= set(re.findall(r"Literal\[['\"]([a-z0-9-]+)['\"]\]", overload.__annotations__["service"]))

    assert typed == set(SERVICES)


def test_prune_keeps_the_top_level_files_and_the_listed_services(tmp_path: Path) -> None:
    for service in ("ecs", "ec2", "sts", "s3"):
        (tmp_path / service / "2014-11-13").mkdir(parents=True)
        (tmp_path / service / "2014-11-13" / "service-2.json.gz").write_bytes(b"")
    for name in ("endpoints.json", "partitions.json", "sdk-default-configuration.json", "_retry.json"):
        (tmp_path / name).write_text("{}")

    deleted = prune(tmp_path, ("ecs", "sts"))

    assert deleted == ["ec2", "s3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "_retry.json", "ecs", "endpoints.json", "partitions.json", "sdk-default-configuration.json", "sts",
    ]  # fmt: skip


def test_the_image_build_stops_when_botocore_has_no_model_for_a_listed_service(tmp_path: Path) -> None:
    data = tmp_path / "botocore" / "data"
    (data / "ecs").mkdir(parents=True)

    with pytest.raises(SystemExit, match="no model for application-autoscaling"):
        main([str(data)])

    assert (data / "ecs").is_dir()

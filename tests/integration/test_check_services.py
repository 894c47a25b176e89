"""`ci-ecs check` and deploy's prerequisites with `services:`: a deleted worker is named, AWS unchanged."""

from __future__ import annotations

import json
from typing import Any

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.seed.many_sample import CONFIG
from tests.integration.helpers import client
from tests.integration.world import snapshot


def test_a_deleted_worker_makes_check_and_deploy_exit_3_naming_it_and_nothing_changes(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    image = ("--image", f"{sample.repository}:v2")
    client(sandbox, "ecs").delete_service(cluster=sample.cluster, service="shop-worker", force=True)
    sandbox.wait_idle()  # a deleted service drains before it is INACTIVE: let it settle before comparing
    before = snapshot(sandbox)

    checked = cli("-c", CONFIG, "-o", "json", "check", *image)
    deployed = cli("-c", CONFIG, "deploy", *image)

    assert checked.code == 3, checked.output
    failed = {i["name"]: i["detail"] for i in json.loads(checked.stdout)["items"] if i["status"] == "failed"}
    assert "shop-worker: service" in failed and "INACTIVE" in failed["shop-worker: service"], failed
    assert not [name for name in failed if not name.startswith("shop-worker: ")], failed
    assert deployed.code == 3, deployed.output
    assert "shop-worker" in deployed.stderr and "INACTIVE" in deployed.stderr, deployed.stderr
    assert snapshot(sandbox) == before

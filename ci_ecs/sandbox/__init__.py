"""The embedded rehearsal AWS: moto on 127.0.0.1 plus a simulator of the ECS/ELB control plane.

Importing this package imports moto (an ImportError means `pip install 'ci-ecs[sandbox]'`).
"""

from __future__ import annotations

from ci_ecs.sandbox.elb.traffic import Counts, Traffic
from ci_ecs.sandbox.seed.sample import Sample
from ci_ecs.sandbox.server import Sandbox, current, start

__all__ = ["Counts", "Sample", "Sandbox", "Traffic", "current", "start"]

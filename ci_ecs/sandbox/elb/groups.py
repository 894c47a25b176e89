"""CreateTargetGroup repeated, as AWS answers it (moto refuses every repeat).

Elastic Load Balancing API Reference, *CreateTargetGroup*: "This operation is idempotent, which means
that it completes at most one time. If you attempt to create multiple target groups with the same
settings, each call succeeds." A group of that name with other settings: DuplicateTargetGroupName.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import ActionResult

from ci_ecs.sandbox.state import LOCK

_SETTINGS_ATTR = "_ci_ecs_created_with"  # on moto's FakeTargetGroup: the settings it was created with


def create_target_group(original: Any) -> Any:
    def create_target_group(self: Any) -> Any:
        with LOCK:
            params = self._get_params()
            wanted = _settings(params)
            for group in self.elbv2_backend.target_groups.values():
                if group.name == params.get("Name") and getattr(group, _SETTINGS_ATTR, None) == wanted:
                    return ActionResult({"TargetGroups": [group]})
            result = original(self)  # moto: DuplicateTargetGroupName for a group of that name
            for group in result.result["TargetGroups"]:
                setattr(group, _SETTINGS_ATTR, wanted)
            return result

    return create_target_group


def _settings(params: dict[str, Any]) -> str:
    """A create request's settings: every parameter but the tags, which only label the group."""
    return json.dumps({k: v for k, v in params.items() if k != "Tags"}, sort_keys=True, default=str)

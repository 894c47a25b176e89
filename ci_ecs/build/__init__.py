"""The build job: what to build and its tags (request), building and pushing (job), the docker CLI."""

from ci_ecs.build.job import Built, build, summary_markdown, write_build_outputs
from ci_ecs.build.request import BuildRequest, Tags, build_command, build_request, ci_tags

__all__ = [
    "BuildRequest",
    "Built",
    "Tags",
    "build",
    "build_command",
    "build_request",
    "ci_tags",
    "summary_markdown",
    "write_build_outputs",
]

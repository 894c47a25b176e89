"""Review environments: a service, target group and listener rule per merge request, and their removal."""

from ci_ecs.review import deploy, stop
from ci_ecs.review.deploy import Job, address, job_for

__all__ = ["Job", "address", "deploy", "job_for", "stop"]

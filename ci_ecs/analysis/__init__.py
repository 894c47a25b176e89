"""Canary analysis: the canary judged from CloudWatch metrics and alarms, interval by interval."""

from ci_ecs.analysis.metrics import Subject, check_alarms, subject
from ci_ecs.analysis.run import analyse

__all__ = ["Subject", "analyse", "check_alarms", "subject"]

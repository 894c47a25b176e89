"""Canary analysis: the canary judged from CloudWatch metrics and alarms, interval by interval."""

from ci_ecs.analysis.metrics import Subject, check_alarms, subject
from ci_ecs.analysis.run import analyse, analysis_step

__all__ = ["Subject", "analyse", "analysis_step", "check_alarms", "subject"]

"""Notifications of a job's events to Slack, Microsoft Teams and any JSON webhook."""

from ci_ecs.notify.send import Notifier, notifier_for

__all__ = ["Notifier", "notifier_for"]

"""Canary analysis: the canary judged from CloudWatch metrics and alarms, interval by interval.

Import the modules themselves: the report is read by the job summary, which needs no AWS client.
"""

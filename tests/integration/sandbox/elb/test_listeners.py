"""Weighted forward actions of listeners and rules, stored and read back as AWS returns them."""

from __future__ import annotations

import botocore.exceptions
import pytest


def _forward(rule_or_listener_actions):
    [action] = rule_or_listener_actions
    return [(g["TargetGroupArn"], g["Weight"]) for g in action["ForwardConfig"]["TargetGroups"]]


def test_weights_are_stored_and_read_back_as_aws_returns_them(aws, sample):
    primary, canary = sample.primary_target_group_arn, sample.canary_target_group_arn
    [rule] = aws.elbv2.describe_rules(RuleArns=[sample.listener_rule_arn])["Rules"]
    assert (rule["Priority"], _forward(rule["Actions"])) == ("10", [(primary, 100), (canary, 0)])
    assert rule["Conditions"] == [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/ext/*"]}}]

    aws.set_weights(90, 10)
    aws.elbv2.modify_listener(
        ListenerArn=sample.listener_arn,
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": sample.target_group_arn, "Weight": 999},
                        {"TargetGroupArn": canary, "Weight": 1},
                    ]
                },
            }
        ],
    )

    [rule] = aws.elbv2.describe_rules(RuleArns=[sample.listener_rule_arn])["Rules"]
    assert _forward(rule["Actions"]) == [(primary, 90), (canary, 10)]
    assert rule["Actions"][0]["ForwardConfig"]["TargetGroupStickinessConfig"] == {"Enabled": False}
    [listener] = aws.elbv2.describe_listeners(ListenerArns=[sample.listener_arn])["Listeners"]
    assert _forward(listener["DefaultActions"]) == [(sample.target_group_arn, 999), (canary, 1)]
    for weight, bound in ((1000, "less than or equal to 999"), (-1, "greater than or equal to 0")):
        with pytest.raises(botocore.exceptions.ClientError, match=bound):
            aws.set_weights(weight, 0)
    assert _forward(aws.elbv2.describe_rules(RuleArns=[sample.listener_rule_arn])["Rules"][0]["Actions"]) == [
        (primary, 90),
        (canary, 10),
    ]


def test_a_lone_target_group_reads_back_also_as_forward_config_weight_1(aws, sample):
    [listener] = aws.elbv2.describe_listeners(ListenerArns=[sample.listener_arn])["Listeners"]
    [action] = listener["DefaultActions"]
    assert action["TargetGroupArn"] == sample.target_group_arn
    assert _forward([action]) == [(sample.target_group_arn, 1)]
    default = [
        r for r in aws.elbv2.describe_rules(ListenerArn=sample.listener_arn)["Rules"] if r["IsDefault"]
    ]
    assert _forward(default[0]["Actions"]) == [(sample.target_group_arn, 1)]


def test_aws_cli_reads_task_sets_and_rule_weights(aws_cli, aws, sample):
    canary = aws.create_canary_task_set("v2", 34)
    aws.set_weights(90, 10)
    sets = aws_cli("ecs", "describe-task-sets", "--cluster", sample.cluster, "--service", "web-ext")[
        "taskSets"
    ]
    rules = aws_cli("elbv2", "describe-rules", "--rule-arns", sample.listener_rule_arn)["Rules"]

    found = {s["taskSetArn"]: (s["status"], s["computedDesiredCount"], s["scale"]["value"]) for s in sets}
    assert found == {
        sample.primary_task_set_arn: ("PRIMARY", 3, 100.0),
        canary["taskSetArn"]: ("ACTIVE", 2, 34.0),
    }
    assert _forward(rules[0]["Actions"]) == [
        (sample.primary_target_group_arn, 90),
        (sample.canary_target_group_arn, 10),
    ]


def test_a_target_group_lists_the_load_balancers_whose_rules_forward_to_it_as_aws_does(aws, sample):
    vpc = aws.elbv2.describe_target_groups(TargetGroupArns=[sample.canary_target_group_arn])["TargetGroups"][
        0
    ]
    new = aws.elbv2.create_target_group(
        Name="balancers-test", Protocol="HTTP", Port=80, VpcId=vpc["VpcId"], TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    assert (
        aws.elbv2.describe_target_groups(TargetGroupArns=[new])["TargetGroups"][0]["LoadBalancerArns"] == []
    )

    forward = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": new, "Weight": 1}]}}]
    aws.elbv2.modify_rule(RuleArn=sample.listener_rule_arn, Actions=forward)
    [group] = aws.elbv2.describe_target_groups(TargetGroupArns=[new])["TargetGroups"]
    assert group["LoadBalancerArns"] == [sample.load_balancer_arn]

    aws.set_weights(100, 0)  # the rule forwards to the sample's groups again
    assert (
        aws.elbv2.describe_target_groups(TargetGroupArns=[new])["TargetGroups"][0]["LoadBalancerArns"] == []
    )

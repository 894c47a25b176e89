"""The policies of a `services:` job: its own, and one per role its services in other accounts assume."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ci_ecs.iam_policy import lookup, policy, technique_of
from ci_ecs.iam_policy.target import Statement, Technique, statement
from ci_ecs.settings import Settings, of_service

# What the job does with its own credentials whichever account a service is in: its lock and the image.
_JOB_ONLY = ("JobLock", "FindImage", "EcrLogin", "PushImage")


@dataclass(frozen=True)
class Policies:
    """The job's policy document, and each assumed role's (by role ARN)."""

    job: dict[str, object]
    roles: dict[str, dict[str, object]]


def policies(
    settings: Settings,
    technique: Technique | None,
    note: Callable[[str], None],
    *,
    build: bool = False,
    run: bool = False,
    reviews: bool = False,
) -> Policies:
    """Every service's statements (by `technique`, else its own), merged: those of services the job reaches
    as itself into its policy, those reached through a `role_arn` of their own into that role's (and the
    job may assume it). `note` gets each value guessed or left as a placeholder, naming the service."""
    job: list[Statement] = []
    roles: dict[str, list[Statement]] = {}
    noted: dict[str, list[str]] = {}  # each note once, naming the services it is about
    for one in (of_service(settings, e) for e in settings.services):
        chosen = technique or technique_of(one)
        where, notes = lookup.target(one, chosen)
        for text in notes:
            noted.setdefault(text, []).append(one.service)
        found = policy(one, chosen, where, build=build, run=run, reviews=reviews)["Statement"]
        if one.role_arn and one.role_arn != settings.role_arn:
            job += [s for s in found if s["Sid"] in _JOB_ONLY]
            roles.setdefault(one.role_arn, []).extend(s for s in found if s["Sid"] not in _JOB_ONLY)
        else:
            job += found
    for text, services in noted.items():
        note(f"{', '.join(services)}: {text}")
    if roles:
        job.append(statement("AssumeServiceRoles", ["sts:AssumeRole"], sorted(roles)))
    return Policies(_document(job), {arn: _document(found) for arn, found in roles.items()})


def _document(statements: Iterable[Statement]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": merged(statements)}


def merged(statements: Iterable[Statement]) -> list[Statement]:
    """One statement per Sid where the services' statements differ only in resources (their union);
    statements that grant other actions or conditions under a Sid already used get a numbered Sid."""
    by_grant: dict[tuple[str, str, str], Statement] = {}
    for s in statements:
        grant = (s["Sid"], json.dumps(s["Action"]), json.dumps(s.get("Condition"), sort_keys=True))
        if grant in by_grant:
            kept = by_grant[grant]
            kept["Resource"] = list(dict.fromkeys([*kept["Resource"], *s["Resource"]]))
        else:
            by_grant[grant] = {**s, "Resource": list(s["Resource"])}
    result: list[Statement] = []
    used: dict[str, int] = {}
    for s in by_grant.values():
        used[s["Sid"]] = used.get(s["Sid"], 0) + 1
        number = used[s["Sid"]]
        result.append(s if number == 1 else {**s, "Sid": f"{s['Sid']}{number}"})
    return result

"""Response bodies shaped as in the docs: GitLab "Deployments API", GitHub "Deployments" and "statuses"."""

from __future__ import annotations

from typing import Any

GITLAB = "https://gitlab.example.com"
GITLAB_API = f"{GITLAB}/api/v4/projects/1/deployments"
GITHUB_REPO = "https://api.github.com/repos/octocat/example"

_GITLAB_USER = {
    "id": 1,
    "name": "Administrator",
    "username": "root",
    "state": "active",
    "avatar_url": "http://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61?s=80&d=identicon",
    "web_url": "http://gitlab.dev/root",
}
_GITHUB_USER = {
    "login": "octocat",
    "id": 1,
    "node_id": "MDQ6VXNlcjE=",
    "avatar_url": "https://github.com/images/error/octocat_happy.gif",
    "url": "https://api.github.com/users/octocat",
    "html_url": "https://github.com/octocat",
    "type": "User",
    "site_admin": False,
}


def gitlab_deployment(
    id: int, *, sha: str, ref: str = "main", tag: bool = False, pipeline: int | None = 36, job: bool = True
) -> dict[str, Any]:
    """One entry of `GET /projects/:id/deployments` (a job's deployment, or one made through the API)."""
    deployable = {
        "commit": {"id": sha, "short_id": sha[:8], "title": "Merge branch 'new-title' into 'main'\r"},
        "coverage": None,
        "created_at": "2016-08-11T07:36:27.357Z",
        "finished_at": "2016-08-11T07:36:39.851Z",
        "id": 657 + id,
        "name": "deploy",
        "ref": ref,
        "runner": None,
        "stage": "deploy",
        "started_at": None,
        "status": "success",
        "tag": tag,
        "project": {"ci_job_token_scope_enabled": False},
        "user": _GITLAB_USER,
        "pipeline": {
            "created_at": "2016-08-11T02:12:10.222Z",
            "id": pipeline,
            "ref": ref,
            "sha": sha,
            "status": "success",
            "updated_at": "2016-08-11T02:12:10.222Z",
            "web_url": f"http://gitlab.dev/root/project/pipelines/{pipeline}",
        },
    }
    return {
        "created_at": "2016-08-11T07:36:40.222Z",
        "updated_at": "2016-08-11T07:38:12.414Z",
        "status": "success",
        "deployable": deployable if job else None,
        "environment": {"external_url": "https://about.gitlab.com", "id": 9, "name": "production"},
        "id": id,
        "iid": id,
        "ref": ref,
        "sha": sha,
        "user": _GITLAB_USER,
    }


def gitlab_created(id: int, *, sha: str, ref: str) -> dict[str, Any]:
    """The answer to `POST /projects/:id/deployments`: a deployment with no job."""
    return {
        "id": id,
        "iid": id,
        "ref": ref,
        "sha": sha,
        "created_at": "2016-08-11T11:32:35.444Z",
        "status": "success",
        "user": _GITLAB_USER,
        "environment": {"id": 9, "name": "production", "external_url": "https://about.gitlab.com"},
        "deployable": None,
    }


def github_deployment(
    id: int,
    *,
    sha: str = "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d",
    ref: str = "topic-branch",
    payload: dict[str, Any] | None = None,
    environment: str = "production",
    repo: str = GITHUB_REPO,
) -> dict[str, Any]:
    """A deployment as `POST /repos/{owner}/{repo}/deployments` (201) and the list return it."""
    return {
        "url": f"{repo}/deployments/{id}",
        "id": id,
        "node_id": "MDEwOkRlcGxveW1lbnQx",
        "sha": sha,
        "ref": ref,
        "task": "deploy",
        "payload": payload or {},
        "original_environment": environment,
        "environment": environment,
        "description": "Deploy request from hubot",
        "creator": _GITHUB_USER,
        "created_at": "2012-07-20T01:19:13Z",
        "updated_at": "2012-07-20T01:19:13Z",
        "statuses_url": f"{repo}/deployments/{id}/statuses",
        "repository_url": repo,
        "transient_environment": False,
        "production_environment": environment == "production",
    }


def github_status(
    id: int, state: str, *, deployment: int = 42, repo: str = GITHUB_REPO, environment: str = "production"
) -> dict[str, Any]:
    """A deployment status as `POST …/deployments/{id}/statuses` (201) and the list return it."""
    return {
        "url": f"{repo}/deployments/{deployment}/statuses/{id}",
        "id": id,
        "node_id": "MDE2OkRlcGxveW1lbnRTdGF0dXMx",
        "state": state,
        "creator": _GITHUB_USER,
        "description": "Deployment finished successfully.",
        "environment": environment,
        "target_url": "https://example.com/deployment/42/output",
        "created_at": "2012-07-20T01:19:13Z",
        "updated_at": "2012-07-20T01:19:13Z",
        "deployment_url": f"{repo}/deployments/{deployment}",
        "repository_url": repo,
        "environment_url": "https://staging.example.com/",
        "log_url": "https://example.com/deployment/42/output",
    }

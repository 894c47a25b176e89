"""The pipeline files `ci-ecs init` writes: the GitLab component's include, or the GitHub workflows."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ci_ecs.init.draft import Draft

Forge = Literal["gitlab", "github", "none"]
FORGES: tuple[Forge, ...] = ("gitlab", "github", "none")
# What the files include by default: the release the documentation names (a mirror's: --component, --action).
COMPONENT = "gitlab.com/ci-ecs/ci-ecs/ecs-deploy@v0.1.0"
ACTION = "org/ci-ecs@v1"
ENVIRONMENT = "production"
GITLAB_FILE = Path(".gitlab-ci.yml")
GITHUB_FILES = (Path(".github/workflows/deploy.yml"), Path(".github/workflows/rollback.yml"))
_TEMPLATES = Path(__file__).with_name("templates")


def paths(forge: Forge) -> tuple[Path, ...]:
    """The files the forge's pipeline is made of, relative to the repository."""
    return {"gitlab": (GITLAB_FILE,), "github": GITHUB_FILES, "none": ()}[forge]


def files(forge: Forge, draft: Draft, config: str, *, component: str, action: str) -> dict[Path, str]:
    """Each pipeline file's text."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # GitHub's own ${{ … }} expressions pass through untouched.
        block_start_string="[%",
        block_end_string="%]",
        variable_start_string="[[",
        variable_end_string="]]",
        autoescape=False,
    )
    values = {
        "service": draft.service,
        "cluster": draft.cluster,
        "region": draft.region,
        "technique": draft.technique,
        "canary": draft.technique != "rolling",
        "config": config,
        "component": component,
        "action": action,
        "environment": ENVIRONMENT,
    }
    names = {"gitlab": ("gitlab-ci.yml.j2",), "github": ("github-deploy.yml.j2", "github-rollback.yml.j2")}
    templates = names.get(forge, ())
    return {
        path: env.get_template(name).render(values)
        for path, name in zip(paths(forge), templates, strict=True)
    }


def setup(forge: Forge) -> list[str]:
    """What the user still has to do on the forge for the pipeline to run."""
    if forge == "gitlab":
        return [
            "GitLab: CI/CD variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (masked, protected) for a "
            "user or role allowed what `ci-ecs iam-policy --build` prints",
        ]
    if forge == "github":
        return [
            "GitHub: an IAM role for OIDC (trusting token.actions.githubusercontent.com for this "
            "repository), allowed what `ci-ecs iam-policy --build` prints; its ARN in the repository "
            "variable DEPLOY_ROLE_ARN",
            f"GitHub: the environments {ENVIRONMENT} (and {ENVIRONMENT}-canary for a canary) in Settings → "
            "Environments",
        ]
    return []

"""Whether an image tag exists in a registry speaking the Docker Registry HTTP API v2 (GitLab, GHCR, Hub…)."""

from __future__ import annotations

import base64
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ci_ecs.errors import PreconditionError
from ci_ecs.model import ImageRef

# What a tag may name: a multi-platform index or a single manifest, OCI or Docker.
ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
TIMEOUT = 10.0  # seconds per request
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')
_LOCAL = re.compile(r"(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?")

Found = Literal["found", "missing", "unknown"]


@dataclass(frozen=True)
class Lookup:
    """What the registry said about an image: found (with its digest), missing, or unknown (and why)."""

    found: Found
    detail: str
    digest: str = ""


def base_url(registry: str) -> str:
    """The registry's API root: plain HTTP on the loopback (as docker allows), Docker Hub's API host."""
    if registry == "docker.io":
        return "https://registry-1.docker.io"
    return f"{'http' if _LOCAL.fullmatch(registry) else 'https'}://{registry}"


def repository_path(image: ImageRef) -> str:
    """The repository's path in its registry (`library/nginx` for Docker Hub's `nginx`)."""
    path = image.path
    return f"library/{path}" if image.registry == "docker.io" and "/" not in path else path


def credentials(registry: str, env: Mapping[str, str]) -> tuple[str, str] | None:
    """(user, password) for the registry: the CI's own (GitLab, GitHub) or a `docker login`, if any."""
    if env.get("CI_REGISTRY") == registry and env.get("CI_REGISTRY_PASSWORD"):
        return env.get("CI_REGISTRY_USER", ""), env["CI_REGISTRY_PASSWORD"]
    if registry == "ghcr.io" and env.get("GITHUB_TOKEN"):
        return env.get("GITHUB_ACTOR", "ci-ecs"), env["GITHUB_TOKEN"]
    return _docker_login(registry, env)


def _docker_login(registry: str, env: Mapping[str, str]) -> tuple[str, str] | None:
    home = env.get("DOCKER_CONFIG") or str(Path(env.get("HOME", "~")).expanduser() / ".docker")
    try:
        auths = json.loads((Path(home) / "config.json").read_text(encoding="utf-8")).get("auths", {})
    except (OSError, ValueError, AttributeError):
        return None
    names = (
        (registry, f"https://{registry}", "https://index.docker.io/v1/")
        if registry == "docker.io"
        else (
            registry,
            f"https://{registry}",
            f"http://{registry}",
        )
    )
    for name in names:
        encoded = (auths.get(name) or {}).get("auth") if isinstance(auths, dict) else None
        if encoded:
            user, _, password = base64.b64decode(encoded).decode(errors="replace").partition(":")
            return user, password
    return None


def lookup(image: ImageRef, env: Mapping[str, str] | None = None) -> Lookup:
    """HEAD the image's manifest (by digest, else tag), anonymously or with the registry's credentials."""
    env = os.environ if env is None else env
    reference = image.digest or image.tag or "latest"
    url = f"{base_url(image.registry)}/v2/{repository_path(image)}/manifests/{reference}"
    login = credentials(image.registry, env)
    try:
        status, headers = _head(url, None)
        if status == 401:
            authorization = _authorize(headers.get("www-authenticate", ""), login, repository_path(image))
            if authorization is None:
                return Lookup("unknown", f"registry {image.registry} wants credentials{_hint(login)}")
            status, headers = _head(url, authorization)
    except (OSError, ValueError) as exc:
        return Lookup("unknown", f"registry {image.registry} could not be asked: {_reason(exc)}")
    if status == 200:
        return Lookup("found", f"{image} is in {image.registry}", headers.get("docker-content-digest", ""))
    if status == 404:
        return Lookup("missing", f"{reference} not found in {image.registry}/{repository_path(image)}")
    if status in (401, 403):
        return Lookup("unknown", f"registry {image.registry} refused to say (HTTP {status}){_hint(login)}")
    return Lookup("unknown", f"registry {image.registry} answered HTTP {status}")


def require(image: ImageRef, env: Mapping[str, str] | None = None) -> Lookup:
    """The registry's answer; PreconditionError when the image is not there (unknown is for the caller)."""
    answer = lookup(image, env)
    if answer.found == "missing":
        raise PreconditionError(f"image: {answer.detail} — build and push it first, or fix the tag")
    return answer


def _hint(login: tuple[str, str] | None) -> str:
    if login is not None:
        return " (the credentials found were refused)"
    return " — give them as CI_REGISTRY_USER/CI_REGISTRY_PASSWORD (with CI_REGISTRY) or `docker login`"


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason if reason is not None else exc)


def _head(url: str, authorization: str | None) -> tuple[int, Mapping[str, str]]:
    """The status and headers (names in lower case) of a HEAD request."""
    request = urllib.request.Request(url, method="HEAD", headers={"Accept": ACCEPT})
    if authorization:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            return int(reply.status), {k.lower(): v for k, v in reply.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}


def _authorize(challenge: str, login: tuple[str, str] | None, path: str) -> str | None:
    """The Authorization header answering a 401's challenge: Basic, or a Bearer token from its realm."""
    scheme, _, params = challenge.partition(" ")
    basic = "Basic " + base64.b64encode(":".join(login).encode()).decode() if login else None
    if scheme.lower() == "basic":
        return basic
    if scheme.lower() != "bearer":
        return None
    fields = dict(_CHALLENGE.findall(params))
    if not fields.get("realm"):
        return None
    query = {"scope": fields.get("scope") or f"repository:{path}:pull"}
    if fields.get("service"):
        query["service"] = fields["service"]
    request = urllib.request.Request(f"{fields['realm']}?{urllib.parse.urlencode(query)}")
    if basic:
        request.add_header("Authorization", basic)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            body = json.loads(reply.read() or b"{}")
    except urllib.error.HTTPError:
        return None
    token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
    return f"Bearer {token}" if token else None

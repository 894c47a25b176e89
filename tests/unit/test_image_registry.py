"""The registry v2 lookup: anonymous, Bearer tokens from the challenge's realm (with credentials), Basic."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from ci_ecs import image_registry
from ci_ecs.errors import PreconditionError
from ci_ecs.model import ImageRef

USER, PASSWORD, TOKEN = "ci", "s3cret-password", "t0ken"
DIGEST = "sha256:" + "ab" * 32


class _Registry(BaseHTTPRequestHandler):
    """A registry holding web:v1 that wants a Bearer token, issued at /token to USER:PASSWORD only."""

    seen: ClassVar[list[tuple[str, str, str]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path, self.headers.get("Authorization", "")))
        basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.path.startswith("/token?") and self.headers.get("Authorization") == basic:
            body = json.dumps({"token": TOKEN}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(401)
        self.end_headers()

    def do_HEAD(self) -> None:
        self.seen.append(("HEAD", self.path, self.headers.get("Authorization", "")))
        assert "application/vnd.oci.image.index.v1+json" in self.headers.get("Accept", "")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            host = self.headers["Host"]
            self.send_response(401)
            self.send_header(
                "Www-Authenticate",
                f'Bearer realm="http://{host}/token",service="fake",scope="repository:team/web:pull"',
            )
            self.end_headers()
            return
        self.send_response(200 if self.path == "/v2/team/web/manifests/v1" else 404)
        self.send_header("Docker-Content-Digest", DIGEST)
        self.end_headers()


@pytest.fixture
def registry() -> Iterator[str]:
    _Registry.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_tag_is_found_with_a_token_got_with_the_ci_registrys_credentials(registry: str) -> None:
    env = {"CI_REGISTRY": registry, "CI_REGISTRY_USER": USER, "CI_REGISTRY_PASSWORD": PASSWORD}

    found = image_registry.lookup(ImageRef(f"{registry}/team/web", "v1"), env)

    assert (found.found, found.digest) == ("found", DIGEST)
    assert PASSWORD not in found.detail
    token_request = next(path for method, path, _ in _Registry.seen if method == "GET")
    assert "scope=repository%3Ateam%2Fweb%3Apull" in token_request and "service=fake" in token_request


def test_a_missing_tag_is_a_precondition_error_naming_the_tag(registry: str) -> None:
    env = {"CI_REGISTRY": registry, "CI_REGISTRY_USER": USER, "CI_REGISTRY_PASSWORD": PASSWORD}

    with pytest.raises(PreconditionError, match=f"v2 not found in {registry}/team/web"):
        image_registry.require(ImageRef(f"{registry}/team/web", "v2"), env)


def test_without_credentials_the_answer_is_unknown_and_says_how_to_give_them(registry: str) -> None:
    found = image_registry.lookup(ImageRef(f"{registry}/team/web", "v1"), {"HOME": "/nonexistent"})

    assert found.found == "unknown"
    assert "CI_REGISTRY_USER" in found.detail


def test_credentials_come_from_a_docker_login(tmp_path: Path) -> None:
    auth = base64.b64encode(b"me:pw").decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {"ghcr.io": {"auth": auth}}}))

    assert image_registry.credentials("ghcr.io", {"DOCKER_CONFIG": str(tmp_path)}) == ("me", "pw")
    assert image_registry.credentials("ghcr.io", {"GITHUB_TOKEN": "gh", "GITHUB_ACTOR": "bot"}) == (
        "bot",
        "gh",
    )
    assert image_registry.credentials("quay.io", {"DOCKER_CONFIG": str(tmp_path)}) is None


def test_an_unreachable_registry_is_unknown_not_missing() -> None:
    found = image_registry.lookup(ImageRef("127.0.0.1:9/web", "v1"), {})

    assert found.found == "unknown"


@pytest.mark.parametrize(
    ("reference", "url"),
    [
        ("nginx:1", "https://registry-1.docker.io/v2/library/nginx/manifests/1"),
        ("registry.gitlab.com/g/p:1", "https://registry.gitlab.com/v2/g/p/manifests/1"),
        ("localhost:5000/web:1", "http://localhost:5000/v2/web/manifests/1"),
    ],
)
def test_where_a_reference_is_asked(reference: str, url: str) -> None:
    image = ImageRef.parse(reference)

    asked = (
        f"{image_registry.base_url(image.registry)}/v2/{image_registry.repository_path(image)}/manifests/1"
    )

    assert asked == url

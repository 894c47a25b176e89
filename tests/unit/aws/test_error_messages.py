"""AWS errors as one line whatever AWS (or a proxy in front of it) answered, and no region as exit 2."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3
import botocore.config
import pytest

from ci_ecs.aws.clients import Aws, call
from ci_ecs.errors import AwsError, ConfigError

PROXY_PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head><title>502 Bad Gateway</title></head>
<body>
<h1>502 Bad Gateway</h1>
<p>The proxy could not reach ecs.us-east-1.amazonaws.com.</p>
</body>
</html>
"""


class _BadGateway(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PROXY_PAGE)))
        self.end_headers()
        self.wfile.write(PROXY_PAGE)

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def bad_gateway() -> Iterator[str]:
    """The endpoint of a proxy that answers every request with its 502 page."""
    server = HTTPServer(("127.0.0.1", 0), _BadGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_html_error_page_becomes_one_line_of_its_text(bad_gateway: str) -> None:
    ecs = boto3.client(
        "ecs",
        region_name="us-east-1",
        endpoint_url=bad_gateway,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=botocore.config.Config(retries={"max_attempts": 0}),
    )

    with pytest.raises(AwsError) as caught:
        call("reading service web", ecs.describe_services, cluster="demo", services=["web"])

    assert str(caught.value) == (
        "reading service web: 502: 502 Bad Gateway 502 Bad Gateway "
        "The proxy could not reach ecs.us-east-1.amazonaws.com."
    )


def test_a_long_message_is_cut_to_one_short_line() -> None:
    def refuse() -> None:
        import botocore.exceptions

        error = {"Error": {"Code": "ValidationException", "Message": "a\nb " + "x" * 500}}
        raise botocore.exceptions.ClientError(error, "DescribeServices")  # type: ignore[arg-type]

    with pytest.raises(AwsError) as caught:
        call("reading service web", refuse)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("reading service web: ValidationException: a b xxx")
    assert message.endswith("...")
    assert len(message) < 400


def test_no_region_anywhere_is_exit_2_when_the_client_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")

    with pytest.raises(ConfigError) as caught:
        Aws(None).client("ecs")

    assert caught.value.exit_code == 2
    assert str(caught.value).startswith("region: no AWS region configured")


def test_a_region_botocore_refuses_is_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as caught:
        Aws("not a region!").client("ecs")

    assert str(caught.value).startswith("region: Provided region_name 'not a region!'")

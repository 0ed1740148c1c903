"""Bodies refused before parsing (413), invalid Unicode (422), and error bodies that never echo
the input back (app/api/limits.py, app/api/errors.py)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

POSTS = ["/api/traces", "/api/export/json", "/api/experiments", "/api/generate"]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = create_app(Settings(warm_up=False, max_body_bytes=100_000))
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("path", POSTS)
def test_a_body_over_the_limit_is_413_by_its_length(client: TestClient, path: str) -> None:
    body = b'{"seed": 0, "pad": "' + b"x" * 200_000 + b'"}'
    r = client.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["code"] == "body_too_large" and r.json()["ctx"]["limit"] == 100_000
    assert len(r.content) < 500  # nothing of the body comes back


def test_a_chunked_body_over_the_limit_is_413_while_it_streams(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"pad": "'
        for _ in range(1000):  # 1 MB if it were all read
            yield b"x" * 1000
        yield b'"}'

    r = client.post("/api/traces", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize(
    "body",
    [
        b'{"seed": "\\ud800"}',
        b'{"data": {"preset": "text", "text": "ab\\udc00cd"}}',
        b'{"prompts": ["\\ud83d"]}',
    ],
)
def test_a_lone_surrogate_is_422_not_500(client: TestClient, path: str, body: bytes) -> None:
    r = client.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_unicode" and r.json()["field"] == "body"


def test_a_surrogate_pair_is_fine(client: TestClient) -> None:
    text = '"\\ud83d\\ude00 a b\\n\\ud83d\\ude00 b a"'  # an emoji, escaped as JSON does it
    body = ('{"data": {"preset": "text", "text": ' + text + "}}").encode()
    r = client.post("/api/traces", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text[:300]
    assert "😀" in r.json()["data"]["vocab"]


def test_validation_errors_never_echo_the_input(client: TestClient) -> None:
    # 5,000 bad numbers in a body under the limit: the 422 names the first few, no input
    values = ",".join(['"NaNx"'] * 5000)
    body = ('{"data": {"preset": "values", "values": [[' + values + "]]}}").encode()
    assert len(body) < 100_000
    r = client.post("/api/traces", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    payload = r.json()
    assert payload["errors_total"] >= 5000 and len(payload["errors"]) == 20
    assert "NaNx" not in r.text  # no "input" anywhere
    assert len(r.content) < 20_000

"""Static files: content-hashed URLs, cached as immutable, gzip when the client accepts it."""

import gzip
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Mount

from app import assets
from app.api.pages import PLOTLY_FILE, VENDOR, asset_url, warm_assets
from app.lessons import LESSONS
from app.main import create_app
from app.settings import Settings
from app.web import STATIC, TEMPLATES

PAGES = ("/", "/lessons", f"/lessons/{LESSONS[0].slug}", "/experiment", "/claims", "/docs")
HASHED = re.compile(r"^/(static|vendor)/[0-9a-f]{16}/")
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(warm_up=False))) as c:
        yield c


def _asset_urls(html: str) -> list[str]:
    """Every script src and stylesheet href of a page."""
    scripts = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    links = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html)
    links += re.findall(r'<link[^>]*href="([^"]+)"[^>]*rel="stylesheet"', html)
    return scripts + links


def _url(client: TestClient, page: str, ending: str) -> str:
    return next(u for u in _asset_urls(client.get(page).text) if u.endswith(ending))


def _raw(client: TestClient, url: str, accept: str) -> tuple[dict[str, str], bytes]:
    """Headers and the bytes on the wire (not decoded by the client)."""
    with client.stream("GET", url, headers={"accept-encoding": accept}) as r:
        assert r.status_code == 200
        return dict(r.headers), b"".join(r.iter_raw())


@pytest.mark.parametrize(
    ("page", "ending", "source"),
    [
        ("/", "/js/main.js", STATIC / "js" / "main.js"),
        ("/", "/css/app.css", STATIC / "css" / "app.css"),
        ("/", "/plotly.min.js", PLOTLY_FILE),
    ],
)
def test_gzip_when_accepted_decodes_to_the_same_bytes(
    client: TestClient, page: str, ending: str, source: Path
) -> None:
    url = _url(client, page, ending)
    headers, raw = _raw(client, url, "gzip, deflate")
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(raw) < len(source.read_bytes()) / 2
    assert gzip.decompress(raw) == source.read_bytes()


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0, identity", "br", ""])
def test_identity_when_gzip_not_accepted(client: TestClient, accept: str) -> None:
    url = _url(client, "/", "/js/main.js")
    headers, raw = _raw(client, url, accept)
    assert "content-encoding" not in headers
    assert headers["vary"] == "Accept-Encoding"  # the same URL answers gzip to others
    assert raw == (STATIC / "js" / "main.js").read_bytes()


def test_tiny_files_stay_uncompressed(client: TestClient) -> None:
    url = _url(client, "/", "/js/lang.js")
    assert (STATIC / "js" / "lang.js").stat().st_size < assets.MIN_GZIP_BYTES
    headers, raw = _raw(client, url, "gzip")
    assert "content-encoding" not in headers and "vary" not in headers
    assert raw == (STATIC / "js" / "lang.js").read_bytes()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_asset_is_hashed_and_immutable(client: TestClient, page: str) -> None:
    html = client.get(page).text
    urls = [u for u in _asset_urls(html) if not u.startswith("data:")]
    assert urls and "?v=" not in html
    for url in urls:
        assert HASHED.match(url), url
        r = client.get(url)
        assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE, url
        kind = "text/css" if url.endswith(".css") else "text/javascript"
        assert r.headers["content-type"].startswith(kind), url


def test_no_template_or_script_hard_codes_a_version_query() -> None:
    files = [*TEMPLATES.glob("*.html"), *STATIC.rglob("*.js"), *STATIC.rglob("*.css")]
    assert files
    for path in files:
        assert "?v=" not in path.read_text(encoding="utf-8"), path


def test_module_imports_keep_the_digest(client: TestClient) -> None:
    """Relative imports resolve under the same digest: every module the pages reach is there."""
    pages = [client.get(page).text for page in ("/", "/experiment", "/claims")]
    todo = [u for html in pages for u in _asset_urls(html) if u.startswith("/static/")]
    seen: set[str] = set()
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        r = client.get(url)
        assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE, url
        for spec in re.findall(r'^import[^"\']*["\'](\.{1,2}/[^"\']+)["\']', r.text, re.M):
            todo.append(urljoin(url, spec))
    digests = {u.split("/")[2] for u in seen}
    assert digests == {assets.tree(STATIC).digest} and len(seen) >= 15


def test_asset_url_refuses_a_file_that_is_not_there() -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    with pytest.raises(ValueError, match="no static file"):
        asset_url(request, "js/mian.js")  # checked before any URL is built


def test_warm_assets_gzips_everything_once() -> None:
    warm_assets()
    every = [*assets.tree(STATIC).files.values(), *map(assets.file, VENDOR.values())]
    assert all(a.compressed for a in every)
    assert assets.file(PLOTLY_FILE).gzipped() is assets.file(PLOTLY_FILE).gzipped()


def test_digest_changes_with_any_change(tmp_path: Path) -> None:
    root = tmp_path / "static"
    shutil.copytree(STATIC, root)
    first = assets.AssetTree(root).digest
    assert first == assets.AssetTree(STATIC).digest  # the same files, the same digest
    main = root / "js" / "main.js"
    main.write_bytes(main.read_bytes() + b"\n")
    edited = assets.AssetTree(root).digest
    (root / "js" / "extra.js").write_text("export {};\n")
    added = assets.AssetTree(root).digest
    (root / "js" / "extra.js").rename(root / "js" / "extra2.js")  # same place in the order
    renamed = assets.AssetTree(root).digest
    assert len({first, edited, added, renamed}) == 4


@pytest.mark.parametrize(
    "url",
    [
        "/static/0000000000000000/js/main.js",  # a stale or foreign digest
        "/static/js/main.js",  # no digest
        "/vendor/0000000000000000/plotly.min.js",
    ],
)
def test_wrong_digest_is_not_immutable(client: TestClient, url: str) -> None:
    r = client.head(url)
    assert r.status_code == 200
    assert (
        r.headers["cache-control"] == "no-cache" and "immutable" not in r.headers["cache-control"]
    )


def test_unknown_files_are_404(client: TestClient) -> None:
    digest = assets.tree(STATIC).digest
    assert client.get(f"/static/{digest}/js/nope.js").status_code == 404
    assert client.get(f"/static/{digest}/../pyproject.toml").status_code == 404
    assert client.get("/vendor/0000000000000000/nope.js").status_code == 404


def test_etag_revalidates_and_head_has_no_body(client: TestClient) -> None:
    url = _url(client, "/", "/js/main.js")
    head = client.head(url, headers={"accept-encoding": "gzip"})
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 1000
    again = client.get(
        url, headers={"accept-encoding": "gzip", "if-none-match": head.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    plain = client.get(
        url, headers={"accept-encoding": "identity", "if-none-match": head.headers["etag"]}
    )
    assert plain.status_code == 200  # the identity bytes are another representation


def test_gzip_is_made_once_and_never_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "static"
    shutil.copytree(STATIC, root)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    calls: list[int] = []
    real = gzip.compress

    def counting(data: bytes, *args: object, **kwargs: object) -> bytes:
        calls.append(len(data))
        return real(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(assets.gzip, "compress", counting)
    app = Starlette(routes=[Mount("/static", assets.StaticAssets(root), name="static")])
    url = f"/static/{assets.AssetTree(root).digest}/js/main.js"
    with TestClient(app) as c:
        for _ in range(3):
            r = c.get(url, headers={"accept-encoding": "gzip"})
            assert r.headers["content-encoding"] == "gzip"
    assert calls == [(root / "js" / "main.js").stat().st_size]
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("GZIP", True),
        ("gzip;q=0", False),
        ("*;q=0", False),
        ("identity", False),
        ("deflate, br", False),
        ("", False),
        ("gzip;q=0, *", False),
    ],
)
def test_accept_encoding_parsing(header: str, accepted: bool) -> None:
    assert assets.accepts_gzip(header) is accepted


@pytest.mark.parametrize("page", ["/", "/experiment", "/claims", "/lessons"])
def test_every_module_a_page_imports_is_preloaded(client: TestClient, page: str) -> None:
    """One round trip for the whole module graph, not one per level of imports: each module
    the page's scripts reach (followed here through the served files) has its modulepreload."""
    html = client.get(page).text
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', html))
    todo = re.findall(r'<script type="module" src="([^"]+)"', html)
    reached: set[str] = set()
    while todo:
        url = todo.pop()
        for spec in re.findall(
            r'^import[^"\']*["\'](\.{1,2}/[^"\']+)["\']', client.get(url).text, re.M
        ):
            dep = urljoin(url, spec)
            if dep not in reached:
                reached.add(dep)
                todo.append(dep)
    assert reached and reached <= preloaded, reached - preloaded


def test_module_graph_resolves_nested_and_parent_imports(tmp_path: Path) -> None:
    (tmp_path / "js" / "vocab").mkdir(parents=True)
    (tmp_path / "js" / "main.js").write_text('import { a } from "./vocab/a.js";\n')
    (tmp_path / "js" / "vocab" / "a.js").write_text(
        'import {\n  b,\n} from "../b.js";\n'
        'export { c } from "./c.js";\n'
        '// import "./no.js" is a comment\n'
    )
    (tmp_path / "js" / "b.js").write_text('import "./main.js";\n')  # a cycle ends
    (tmp_path / "js" / "vocab" / "c.js").write_text("export const c = 1;\n")
    graph = assets.module_graph(assets.AssetTree(tmp_path), "js/main.js")
    assert graph == ["js/vocab/a.js", "js/b.js", "js/vocab/c.js"]

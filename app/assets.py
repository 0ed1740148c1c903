"""Static files served compressed and cached forever: content-hashed URLs, gzip made once.

`/static/<digest>/<path>` serves `static/`; the digest covers the whole tree, so the ES
modules' relative imports (`./i18n.js`) keep it. Vendor files (plotly.js, Swagger UI) are single
files with a digest of their own (`app.api.pages`). Files are read once per process and each
gzip body is made the first time a client asks for it, in a worker thread, kept in memory:
never per request, never written to disk (the package directory is read-only in the image).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

DIGEST_CHARS = 16
IMMUTABLE = "public, max-age=31536000, immutable"
# A URL whose digest is not the current one still gets the current file (a page rendered by an
# older or newer replica during a rolling deploy keeps working, and no redirect can loop between
# replicas of two versions), but only to revalidate: never immutable, so no cache keeps it.
REVALIDATE = "no-cache"
MIN_GZIP_BYTES = 1024  # below this the gzip header and a Vary cost more than they save
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
COMPRESSIBLE = ("text/", "application/json", "image/svg+xml")
_DIGEST = re.compile(rf"[0-9a-f]{{{DIGEST_CHARS}}}")


def media_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


class Asset:
    """One file's bytes, its type, its digest (also its ETag) and, once asked for, its gzip."""

    def __init__(self, body: bytes, media_type: str) -> None:
        self.body = body
        self.media_type = media_type
        self.digest = hashlib.sha256(body).hexdigest()[:DIGEST_CHARS]
        self.compressible = len(body) >= MIN_GZIP_BYTES and media_type.startswith(COMPRESSIBLE)
        self._gzip: bytes | None = None
        self._done = not self.compressible
        self._lock = threading.Lock()

    @property
    def compressed(self) -> bool:
        """True once gzipped() would return without compressing."""
        return self._done

    def gzipped(self) -> bytes | None:
        """The gzip body (made on the first call, once whichever thread asks), or None."""
        with self._lock:
            if not self._done:
                packed = gzip.compress(self.body, compresslevel=9, mtime=0)
                self._gzip = packed if len(packed) < len(self.body) else None
                self._done = True
            return self._gzip


def read_tree(root: Path) -> dict[str, Path]:
    """Every file under root by its URL path (posix, relative); dotfiles left out."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            files[rel.as_posix()] = path
    return files


def tree_digest(files: Mapping[str, bytes]) -> str:
    """One digest over names and contents: any edit, addition, removal or rename changes it."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()[:DIGEST_CHARS]


class AssetTree:
    """A snapshot of a directory: the bytes served are the bytes the digest was made from."""

    def __init__(self, root: Path) -> None:
        contents = {name: path.read_bytes() for name, path in read_tree(root).items()}
        self.digest = tree_digest(contents)
        self.files = {name: Asset(body, media_type(name)) for name, body in contents.items()}


@cache
def tree(root: Path) -> AssetTree:
    """The process's snapshot of a static directory (restart the server after editing it)."""
    return AssetTree(root)


_IMPORT = re.compile(rb"""^\s*(?:import|export)\b[^"']*?["'](\.{1,2}/[^"']+)["']""", re.M)


def module_graph(snapshot: AssetTree, entry: str) -> list[str]:
    """Every ES module `entry` imports, directly or not (static relative imports), in the
    order found. A page preloads them all: else each level of imports costs a round trip
    before the first picture (150 ms each on a phone's 4G)."""
    found: list[str] = []
    todo = [entry]
    while todo:
        name = todo.pop(0)
        asset = snapshot.files.get(name)
        if asset is None:
            continue
        base = name.rsplit("/", 1)[0] if "/" in name else ""
        for match in _IMPORT.finditer(asset.body):
            parts = [*base.split("/"), *match.group(1).decode().split("/")]
            resolved: list[str] = []
            for part in parts:
                if part == "..":
                    resolved.pop()
                elif part not in (".", ""):
                    resolved.append(part)
            dep = "/".join(resolved)
            if dep != entry and dep not in found:
                found.append(dep)
                todo.append(dep)
    return found


@cache
def file(path: Path) -> Asset:
    """The process's copy of one vendor file."""
    return Asset(path.read_bytes(), media_type(path.name))


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (`gzip;q=0` and `identity` refuse it)."""
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *params = (p.strip() for p in item.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if coding:
            weights[coding.lower()] = weight
    for name in ("gzip", "x-gzip", "*"):
        if name in weights:
            return weights[name] > 0
    return False


def _etag_matches(if_none_match: str, etag: str) -> bool:
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


async def respond(request: Request, asset: Asset, cache_control: str) -> Response:
    """The asset as gzip when the client accepts it and it is worth it, else as is."""
    packed = None
    if asset.compressible and accepts_gzip(request.headers.get("accept-encoding", "")):
        # the first gzip of a large file (plotly: ~0.3 s) must not stall the event loop
        packed = (
            asset.gzipped() if asset.compressed else await anyio.to_thread.run_sync(asset.gzipped)
        )
    etag = f'"{asset.digest}-gzip"' if packed is not None else f'"{asset.digest}"'
    headers = {"Cache-Control": cache_control, "ETag": etag}
    if asset.compressible:
        headers["Vary"] = "Accept-Encoding"
    if _etag_matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    body = asset.body if packed is None else packed
    if packed is not None:
        headers["Content-Encoding"] = "gzip"
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        body = b""
    return Response(body, media_type=asset.media_type, headers=headers)


class StaticAssets:
    """ASGI app mounted at /static: `/<digest>/<path>` from one directory, read once.

    The right digest answers immutable; another digest (stale, or from another replica) or
    none at all answers the current file with `no-cache` (see REVALIDATE); an unknown file 404.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
        snapshot = tree(self.root)
        root_path = request.scope.get("root_path", "")
        path = request.scope["path"].removeprefix(root_path).lstrip("/")
        first, _, rest = path.partition("/")
        if _DIGEST.fullmatch(first):
            name, fresh = rest, first == snapshot.digest
        else:
            name, fresh = path, False
        asset = snapshot.files.get(name)
        if asset is None:
            return PlainTextResponse("Not Found", 404)
        return await respond(request, asset, IMMUTABLE if fresh else REVALIDATE)

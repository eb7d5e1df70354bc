"""A local news site over real HTTP, for the end-to-end tests.

`SiteServer` serves the files under `tests/data/site` (or any root) on 127.0.0.1 at a
free port, from a daemon thread, using only the standard library:

    with SiteServer() as site:
        feed_url = site.url("/feeds/it.xml")
        ...                                     # run the ingester against feed_url
        assert [r.path for r in site.requests] == [...]

What a file response does, so that fetch code meets a well-behaved origin server:

* `{{BASE}}` in text files (html, xml, atom, rdf, json, txt, ...) is replaced with
  `site.base`, so fixtures can hold absolute links to the server they are served from.
* Content-Type by extension, with a `feeds/` convention: `.xml` there is RSS
  (application/rss+xml), `.atom` Atom, `.rdf` RDF, `.json` JSON Feed (application/feed+json);
  elsewhere `.xml` is application/xml and `.json` application/json. Text types say
  `charset=utf-8`.
* A strong ETag (a hash of the served, uncompressed bytes) and a Last-Modified fixed per
  file (its mtime); 304 to a matching If-None-Match or, when there is none, to an
  If-Modified-Since not older than Last-Modified.
* gzip (Content-Encoding: gzip) when Accept-Encoding allows it.
* Unknown paths: 404 with a small HTML body.

Tests change the site at run time with `set_file` (content kept in memory, Last-Modified
moved forward), `delete_file`, `reset_file`, and take over any path with `route`, whose
handler gets the `RequestRecord` and returns a `Response` (status, headers, body, and a
`delay` or a `trickle` to play a slow server, or `drop` to close the connection unanswered).
`file_response(record)` is the normal file answer, for handlers that only tweak it.
Every request is recorded in `site.requests`, in arrival order.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "data" / "site"
BASE_PLACEHOLDER = "{{BASE}}"

# Extension -> (content type, is text). Text files get {{BASE}} replaced and a charset.
_TYPES: dict[str, tuple[str, bool]] = {
    ".html": ("text/html", True),
    ".htm": ("text/html", True),
    ".xml": ("application/xml", True),
    ".atom": ("application/atom+xml", True),
    ".rdf": ("application/rdf+xml", True),
    ".rss": ("application/rss+xml", True),
    ".json": ("application/json", True),
    ".txt": ("text/plain", True),
    ".md": ("text/markdown", True),
    ".css": ("text/css", True),
    ".js": ("text/javascript", True),
    ".svg": ("image/svg+xml", True),
    ".png": ("image/png", False),
    ".jpg": ("image/jpeg", False),
    ".jpeg": ("image/jpeg", False),
    ".gif": ("image/gif", False),
    ".webp": ("image/webp", False),
    ".ico": ("image/x-icon", False),
}
# Overrides for files in a `feeds` folder.
_FEED_TYPES = {
    ".xml": "application/rss+xml",
    ".json": "application/feed+json",
}

NOT_FOUND_BODY = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    b"<title>404 Not Found</title></head>\n<body><h1>Not Found</h1>"
    b"<p>The requested URL was not found on this server.</p></body></html>\n"
)


def content_type_for(path: str) -> tuple[str, bool]:
    """(Content-Type header, is text) for a URL or file path, by extension."""
    name = path.rsplit("/", 1)[-1]
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    ctype, is_text = _TYPES.get(ext, ("application/octet-stream", False))
    parts = path.strip("/").split("/")
    if len(parts) > 1 and parts[-2] == "feeds":
        ctype = _FEED_TYPES.get(ext, ctype)
    if is_text:
        ctype += "; charset=utf-8"
    return ctype, is_text


class Headers(dict[str, str]):
    """Request headers: keys stored lowercased, lookups ignore case; repeats are joined."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        for name, value in items:
            key = name.lower()
            self[key] = f"{dict.__getitem__(self, key)}, {value}" if key in self else value

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it. `path` is the raw target, query included."""

    method: str
    path: str
    headers: Headers
    time: float  # time.monotonic() on arrival
    body: bytes = b""
    client_port: int = 0  # tells the client's connections apart (a reused one keeps its port)

    @property
    def url_path(self) -> str:
        """The path without query string, percent-decoded."""
        return unquote(urlsplit(self.path).path)

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)


@dataclass
class Response:
    """What a route answers. Content-Length is added unless given; no default Content-Type.

    `delay`: seconds to wait before sending anything. `trickle`: seconds to wait between
    chunks of `chunk_size` bytes of the body (headers go out at once), to play a slow server.
    `drop`: close the connection without answering.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    trickle: float | None = None
    chunk_size: int = 64
    drop: bool = False

    @classmethod
    def html(cls, text: str, status: int = 200, **kwargs: Any) -> Response:
        headers = {"Content-Type": "text/html; charset=utf-8", **kwargs.pop("headers", {})}
        return cls(status=status, body=text.encode("utf-8"), headers=headers, **kwargs)

    @classmethod
    def redirect(cls, location: str, status: int = 302, **kwargs: Any) -> Response:
        headers = {"Location": location, **kwargs.pop("headers", {})}
        return cls(status=status, headers=headers, **kwargs)

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


Handler = Callable[[RequestRecord], Response]


@dataclass(frozen=True)
class _File:
    content: bytes  # raw, before {{BASE}} replacement
    content_type: str
    is_text: bool
    last_modified: int  # whole seconds since the epoch, as HTTP dates carry


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: SiteServer) -> None:
        self.site = site
        self.connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up early (a size cap, a deadline, a 404 it does not read)
        # is normal here; socketserver would print a traceback into the test's output.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        with self.conn_lock:
            self.connections.add(conn)
        return conn, addr

    def shutdown_request(self, request: Any) -> None:
        with self.conn_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.conn_lock:
            conns = list(self.connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "SiteServer/1.0"
    timeout = 30  # idle keep-alive connections are closed after this

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        pass

    def _handle(self) -> None:
        site = self.server.site
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        record = RequestRecord(
            method=self.command,
            path=self.path,
            headers=Headers(self.headers.items()),
            time=time.monotonic(),
            body=body,
            client_port=self.client_address[1],
        )
        site._record(record)
        response = site._respond(record)
        try:
            self._send(response, head=self.command == "HEAD")
        except OSError:  # the client went away (reset, broken pipe, timeout)
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

    def _send(self, response: Response, head: bool) -> None:
        stopping = self.server.site._stopping
        if response.delay > 0 and stopping.wait(response.delay):
            self.close_connection = True
            return
        if response.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        bodyless = response.status in (204, 304) or response.status < 200
        body = b"" if bodyless else response.body
        self.send_response(response.status)
        names = {name.lower() for name in response.headers}
        for name, value in response.headers.items():
            self.send_header(name, value)
        if "content-length" not in names and not bodyless:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head or not body:
            self.wfile.flush()
            return
        if response.trickle is None:
            self.wfile.write(body)
            self.wfile.flush()
            return
        size = max(1, response.chunk_size)
        for start in range(0, len(body), size):
            self.wfile.write(body[start : start + size])
            self.wfile.flush()
            if start + size < len(body) and stopping.wait(response.trickle):
                self.close_connection = True
                return


class SiteServer:
    """The test site on http://127.0.0.1:<free port>; see the module docstring."""

    def __init__(self, root: Path | str | None = None, host: str = "127.0.0.1", port: int = 0):
        self.root = Path(root if root is not None else DEFAULT_ROOT).resolve()
        self.requests: list[RequestRecord] = []
        self.errors: list[BaseException] = []  # exceptions raised by route handlers
        self._lock = threading.Lock()
        self._routes: dict[str, Handler] = {}
        self._overrides: dict[str, _File | None] = {}  # None: deleted
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._httpd = _Server((host, port), self)
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> SiteServer:
        if self._closed:
            raise RuntimeError("a stopped SiteServer cannot be started again")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"SiteServer:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what tests call --------------------------------------------------------------

    def url(self, path: str = "/") -> str:
        """Absolute URL on this server for a path ("/feeds/it.xml" or "feeds/it.xml")."""
        return self.base + _norm(path)

    def route(self, path: str, handler: Handler | Response) -> None:
        """Answer `path` with `handler` (or a fixed Response) instead of a file.

        A path with a query string matches only that exact target; a path without one
        matches any query.
        """
        fixed = handler

        def constant(_record: RequestRecord) -> Response:
            assert isinstance(fixed, Response)
            return fixed

        with self._lock:
            self._routes[_norm(path)] = constant if isinstance(handler, Response) else handler

    def unroute(self, path: str) -> None:
        with self._lock:
            self._routes.pop(_norm(path), None)

    def set_file(
        self,
        path: str,
        content: str | bytes,
        *,
        content_type: str | None = None,
        last_modified: float | None = None,
    ) -> None:
        """Serve `content` at `path` from now on (in memory; the file on disk is untouched).

        `{{BASE}}` is replaced as for files. Last-Modified defaults to now, and always moves
        at least one second past the previous version's, so If-Modified-Since sees a change.
        """
        key = _norm(path)
        data = content.encode("utf-8") if isinstance(content, str) else content
        guessed, is_text = content_type_for(key)
        if last_modified is None:
            previous = self._lookup(key)
            last_modified = time.time()
            if previous is not None:
                last_modified = max(last_modified, previous.last_modified + 1)
        if content_type is not None:
            is_text = is_text or content_type.startswith("text/") or "xml" in content_type
        new = _File(data, content_type or guessed, is_text, int(last_modified))
        with self._lock:
            self._overrides[key] = new

    def delete_file(self, path: str) -> None:
        """Answer 404 at `path` from now on."""
        with self._lock:
            self._overrides[_norm(path)] = None

    def reset_file(self, path: str) -> None:
        """Forget `set_file` / `delete_file` for `path`: serve the file on disk again."""
        with self._lock:
            self._overrides.pop(_norm(path), None)

    def render(self, path: str) -> str:
        """The text served at `path` (with {{BASE}} replaced); KeyError if there is none."""
        found = self._lookup(_norm(path))
        if found is None:
            raise KeyError(path)
        return self._served_bytes(found).decode("utf-8")

    def expected(self) -> dict[str, Any]:
        """tests/data/site/expected.json (or the root's), with {{BASE}} replaced."""
        data: dict[str, Any] = json.loads(self.render("/expected.json"))
        return data

    def requests_for(self, path: str) -> list[RequestRecord]:
        """Requests to `path`: exact target if it has a query, else any query."""
        key = _norm(path)
        with self._lock:
            records = list(self.requests)
        if "?" in key:
            return [r for r in records if r.path == key]
        return [r for r in records if r.url_path == key]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def file_response(self, record: RequestRecord) -> Response:
        """The answer the server gives for a file: 200 / 304 / 404 / 405."""
        found = self._lookup(record.url_path)
        if found is None:
            return Response(404, NOT_FOUND_BODY, {"Content-Type": "text/html; charset=utf-8"})
        if record.method not in ("GET", "HEAD"):
            return Response(405, b"", {"Allow": "GET, HEAD"})
        body = self._served_bytes(found)
        validators = {
            "ETag": '"' + hashlib.sha256(body).hexdigest()[:24] + '"',
            "Last-Modified": formatdate(found.last_modified, usegmt=True),
        }
        if _not_modified(record.headers, validators["ETag"], found.last_modified):
            return Response(304, b"", validators)
        headers = {"Content-Type": found.content_type, **validators, "Vary": "Accept-Encoding"}
        if _accepts_gzip(record.headers.get("accept-encoding", "")):
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        return Response(200, body, headers)

    # -- internals --------------------------------------------------------------------

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def _respond(self, record: RequestRecord) -> Response:
        with self._lock:
            handler = self._routes.get(record.path) or self._routes.get(record.url_path)
        if handler is None:
            return self.file_response(record)
        try:
            return handler(record)
        except Exception as exc:  # a bug in a test's handler: answer 500, keep it for the test
            with self._lock:
                self.errors.append(exc)
            text = "".join(traceback.format_exception(exc))
            return Response(500, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})

    def _lookup(self, url_path: str) -> _File | None:
        key = _norm(url_path)
        if key.endswith("/"):
            key += "index.html"
        with self._lock:
            if key in self._overrides:
                return self._overrides[key]
        candidate = (self.root / key.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.root):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if not candidate.is_file():
            return None
        ctype, is_text = content_type_for(key)
        return _File(candidate.read_bytes(), ctype, is_text, int(candidate.stat().st_mtime))

    def _served_bytes(self, found: _File) -> bytes:
        if not found.is_text:
            return found.content
        return found.content.replace(BASE_PLACEHOLDER.encode(), self.base.encode())


def serve(root: Path | str | None = None) -> Iterator[SiteServer]:
    """For a pytest fixture: `yield from serve()` starts a server and stops it after."""
    with SiteServer(root) as site:
        yield site


def _norm(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def _not_modified(headers: Headers, etag: str, last_modified: int) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = [tag.strip() for tag in inm.split(",")]
        return "*" in tags or any(_weak(tag) == _weak(etag) for tag in tags)
    ims = headers.get("if-modified-since")
    if ims is None:
        return False
    try:
        since = parsedate_to_datetime(ims).timestamp()
    except (TypeError, ValueError, IndexError):
        return False  # an unparsable date is ignored
    return last_modified <= since


def _weak(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def _accepts_gzip(accept_encoding: str) -> bool:
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            return True
    return False


__all__ = [
    "BASE_PLACEHOLDER",
    "DEFAULT_ROOT",
    "Handler",
    "Headers",
    "RequestRecord",
    "Response",
    "SiteServer",
    "content_type_for",
    "serve",
]

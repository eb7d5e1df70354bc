"""A read-only HTTP API over the store (FastAPI), started by `ingest serve`.

    GET /articles             the search of `ingest query`: q, feed, tag, since, until,
                              lang, sort, limit, offset; a page of records with `total`
    GET /articles/{id}        one record as JSON; with `Accept: text/plain`, exactly the
                              stored document's bytes; 404 for an unknown id
    GET /feeds                the configured feeds with their polling status
    GET /openapi.json, /docs  the OpenAPI document and a self-contained page of it (offline)

Only GET routes exist: nothing here writes. Bad parameters get a 4xx whose `detail`
says what is wrong (422 from validation, 400 from the search itself).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi import Query as Param
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from ingest import __version__
from ingest.config import Config
from ingest.core.errors import QueryError, StorageError
from ingest.core.redact import redact
from ingest.pipeline.runtime import open_store
from ingest.service.status import feed_statuses
from storage import search
from storage.export import iter_records, record
from storage.search import QueryOptions
from storage.store import Store

MAX_PAGE = 500
DEFAULT_PAGE = 20


class Source(BaseModel):
    feed: str
    url: str
    guid: str | None
    seen_at: str | None
    match_rule: str | None = None
    similarity: float | None = None
    veto: str | None = None


class ArticleRecord(BaseModel):
    id: str
    url: str
    feed: str
    sources: list[Source]
    title: str
    lead: str | None
    paragraphs: list[str]
    published: str
    date_inferred: bool
    fetched_at: str | None
    updated_at: str | None
    language: str | None
    text_source: str
    path: str


class ArticlePage(BaseModel):
    total: int
    limit: int
    offset: int
    next_offset: int | None
    items: list[ArticleRecord]


def create_app(config: Config, store: Store | None = None) -> FastAPI:
    """The API over `config`'s store (or `store`, which the caller then closes)."""
    owned = store is None
    opened = store or open_store(config)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            opened.close()

    app = FastAPI(
        title="news-ingest",
        version=__version__,
        description="Read-only access to the stored articles.",
        lifespan=lifespan,
        # FastAPI's /docs loads Swagger UI from a CDN: blank offline, and a third party
        # sees who reads the docs. Ours is one self-contained page (docs_page).
        docs_url=None,
        redoc_url=None,
    )
    _routes(app, config, opened)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(docs_page(app.openapi()))

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app


def docs_page(spec: dict[str, Any]) -> str:
    """The API's reference as one HTML page with no outside assets (works offline)."""
    info = spec.get("info", {})
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{escape(info.get('title', 'API'))} API</title>",
        "<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60em;margin:2em auto;"
        "padding:0 1em}code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
        "h2{margin-top:1.6em}</style></head><body>",
        f"<h1>{escape(info.get('title', ''))} {escape(str(info.get('version', '')))}</h1>",
        f"<p>{escape(info.get('description', ''))} The machine-readable document is "
        "<a href='/openapi.json'>/openapi.json</a>.</p>",
    ]
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            parts.append(f"<h2><code>{escape(method.upper())} {escape(path)}</code></h2>")
            text = op.get("description") or op.get("summary") or ""
            parts.append(f"<p>{escape(text)}</p>")
            params = op.get("parameters", [])
            if params:
                parts.append("<table><tr><th>parameter</th><th>in</th><th>meaning</th></tr>")
                for p in params:
                    parts.append(
                        f"<tr><td><code>{escape(p.get('name', ''))}</code></td>"
                        f"<td>{escape(p.get('in', ''))}</td>"
                        f"<td>{escape(p.get('description', '') or '')}</td></tr>"
                    )
                parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _routes(app: FastAPI, config: Config, store: Store) -> None:
    @app.exception_handler(QueryError)
    async def bad_query(_request: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(StorageError)
    async def storage_down(_request: Request, exc: StorageError) -> JSONResponse:
        return JSONResponse({"detail": redact(str(exc))}, status_code=503)

    @app.get("/articles", response_model=ArticlePage)
    def list_articles(
        q: Annotated[str | None, Param(description="full-text query")] = None,
        feed: Annotated[list[str], Param(description="seen in this feed (repeat)")] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
        tag: Annotated[list[str], Param(description="from a feed with this tag")] = [],  # noqa: B006
        since: Annotated[str | None, Param(description="YYYY-MM-DD or ISO datetime")] = None,
        until: Annotated[str | None, Param(description="YYYY-MM-DD (inclusive)")] = None,
        lang: Annotated[str | None, Param(min_length=2, max_length=8)] = None,
        sort: Literal["relevance", "date"] | None = None,
        limit: Annotated[int, Param(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
        offset: Annotated[int, Param(ge=0)] = 0,
    ) -> dict[str, Any]:
        # No feed= means any feed (an empty list would mean none).
        options = QueryOptions(
            text=q,
            feeds=feed or None,
            tags=tag,
            since=since,
            until=until,
            lang=lang,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        query = search.make_query(options, config.feeds)
        search.check_feeds(store, query, (f.name for f in config.feeds))
        items = list(iter_records(store, query))
        total = search.count(store, query)
        more = offset + len(items) < total
        return {
            "total": total,
            "limit": limit,
            "offset": offset,
            "next_offset": offset + len(items) if more else None,
            "items": items,
        }

    @app.get(
        "/articles/{article_id}",
        response_model=ArticleRecord,
        responses={
            200: {"content": {"text/plain": {}}, "description": "JSON, or the document"},
            404: {"description": "no article with this id"},
        },
    )
    def get_article(article_id: str, request: Request) -> Any:
        article = store.get(article_id)
        if article is None:
            raise HTTPException(404, f"no article with id {article_id}")
        if prefers_text(request.headers.get("accept", "")):
            body = store.render(article).encode("utf-8")
            return Response(body, media_type="text/plain; charset=utf-8")
        return record(article, store.sources(article_id))

    @app.get("/feeds")
    def list_feeds() -> list[dict[str, Any]]:
        tags = {spec.name: spec.tags for spec in config.feeds}
        return [
            {**row.to_json(), "tags": tags.get(row.name, [])}
            for row in feed_statuses(store, config.feeds)
        ]


def prefers_text(accept: str) -> bool:
    """True when the Accept header ranks text/plain above JSON (RFC 9110 12.5.1)."""
    best = {"text/plain": 0.0, "application/json": 0.0}
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        for wanted in best:
            kind = wanted.split("/")[0]
            if media in (wanted, f"{kind}/*", "*/*"):
                # An exact type outranks a wildcard with the same q.
                score = q + (0.0001 if media == wanted and q > 0 else 0.0)
                best[wanted] = max(best[wanted], score)
    return best["text/plain"] > best["application/json"]


DEFAULT_PORT = 8642  # not 8000/8080: the fixture site and most dev servers take those


def serve(config: Config, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Run the API until interrupted (uvicorn; logs to standard error)."""
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="info")

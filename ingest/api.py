"""A read-only HTTP API over the store (FastAPI), started by `ingest serve`.

    GET /articles             the search of `ingest query`: q, feed, tag, since, until,
                              lang, sort, limit, offset; a page of records with `total`
    GET /articles/{id}        one record as JSON; with `Accept: text/plain`, exactly the
                              stored document's bytes; 404 for an unknown id
    GET /feeds                the configured feeds with their polling status
    GET /openapi.json, /docs  the OpenAPI document and its browser view

Only GET routes exist: nothing here writes. Bad parameters get a 4xx whose `detail`
says what is wrong (422 from validation, 400 from the search itself).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi import Query as Param
from fastapi.responses import JSONResponse, Response
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
    )
    _routes(app, config, opened)
    return app


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


def serve(config: Config, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the API until interrupted (uvicorn; logs to standard error)."""
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="info")

"""The local test site: `SiteServer` serves tests/data/site over real HTTP.

Run it by hand with `python -m tests.site [--port N]`.
"""

from tests.site.server import (
    BASE_PLACEHOLDER,
    DEFAULT_ROOT,
    Handler,
    Headers,
    RequestRecord,
    Response,
    SiteServer,
    content_type_for,
    serve,
)

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

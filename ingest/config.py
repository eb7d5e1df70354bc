"""feeds.yaml -> a typed, validated `Config`, loaded once and passed in.

The file is read with ruamel.yaml's round-trip loader only because it remembers where
every key stands, so a validation error can name the file, the line, the feed and the
field. Unknown keys are errors: a typo must not silently fall back to a default.

Longer than our other modules (~500 lines) on purpose: the models, their validators and
the error wording that names file, line and field are one concern; split, a new key's
validation and its message would live apart.
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ingest import __version__
from ingest.core import dedup
from ingest.core.errors import ConfigError

if TYPE_CHECKING:
    # ruamel.yaml is imported where YAML is read: a command whose validated config is
    # remembered (ingest/cli/reading.py) never reads the YAML, nor pays for the import.
    from ruamel.yaml.error import MarkedYAMLError

DEFAULT_CONFIG = "feeds.yaml"
CONFIG_ENV = "INGEST_CONFIG"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
PROJECT_URL = "https://github.com/news-ingest/news-ingest"

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "k": 1000, "m": 1000**2, "g": 1000**3}


def parse_duration(value: Any) -> float:
    """Seconds from a number or "90s", "15m", "2h", "1d"."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 90s, 15m, 2h")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, str) and (m := _DURATION_RE.match(value)):
        seconds = float(m[1]) * _DURATION_UNITS[(m[2] or "s").lower()]
    else:
        raise ValueError(f"expected a duration such as 90s, 15m, 2h, not {value!r}")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def parse_size(value: Any) -> int:
    """Bytes from a number or "512KB", "10MB", "1GiB"."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as 512KB or 10MB")
    if isinstance(value, int):
        size = value
    elif isinstance(value, str) and (m := _SIZE_RE.match(value)):
        unit = (m[2] or "b").lower()
        base = 1024 if "i" in unit else 1
        factor = base ** " kmg".index(unit[0]) if base == 1024 else _SIZE_UNITS[unit[0]]
        size = int(float(m[1]) * factor)
    else:
        raise ValueError(f"expected a size such as 512KB or 10MB, not {value!r}")
    if size <= 0:
        raise ValueError("a size must be positive")
    return size


def _networks(value: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    if not isinstance(value, list):
        raise ValueError('expected a list of networks such as ["127.0.0.1/32"]')
    try:
        return [ipaddress.ip_network(str(v), strict=False) for v in value]
    except ValueError as exc:
        raise ValueError(f"not a network in CIDR form: {exc}") from None


Duration = Annotated[float, BeforeValidator(parse_duration)]
# Poll intervals and deadlines: zero would poll in a tight loop or fail every request.
# (Sub-second intervals stay possible: tests and special feeds rely on them.)
Interval = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]
Deadline = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]
Size = Annotated[int, BeforeValidator(parse_size)]
Networks = Annotated[
    list[ipaddress.IPv4Network | ipaddress.IPv6Network], BeforeValidator(_networks)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class DedupSettings(_Strict):
    """`settings: dedup:` thresholds; what they mean is in ingest/core/dedup.py."""

    near_threshold: float = Field(dedup.NEAR_THRESHOLD, gt=0, le=1)
    short_threshold: float = Field(dedup.SHORT_THRESHOLD, gt=0, le=1)
    lede_threshold: float = Field(dedup.LEDE_THRESHOLD, ge=0, le=1)
    min_words: int = Field(dedup.MIN_TOKENS, ge=1)  # below: exact match only
    short_words: int = Field(dedup.SHORT_TOKENS, ge=1)  # below: short_threshold
    max_candidates: int = Field(dedup.MAX_CANDIDATES, ge=1, le=100)
    max_updates: int = Field(dedup.MAX_UPDATES, ge=0)  # in-place rewrites per article
    # a trimmed copy: share of the shorter body's shingles found in the longer one
    containment_threshold: float = Field(dedup.CONTAIN_THRESHOLD, gt=0, le=1)
    # short bodies published further apart than this are different events (dated veto)
    short_max_days: float = Field(dedup.SHORT_MAX_DAYS, ge=0)

    def thresholds(self) -> dedup.Thresholds:
        return dedup.Thresholds(
            near=self.near_threshold,
            short=self.short_threshold,
            lede=self.lede_threshold,
            min_tokens=self.min_words,
            short_tokens=self.short_words,
            max_candidates=self.max_candidates,
            contain=self.containment_threshold,
            short_max_days=self.short_max_days,
        )


class Settings(_Strict):
    store: str = "store"
    database_url: str | None = None
    user_agent: str | None = None
    interval: Interval = 1800.0
    concurrency: int = Field(16, ge=1, le=1000)
    per_host: int = Field(2, ge=1, le=100)
    timeout: Deadline = 30.0
    max_feed_bytes: Size = 10_000_000
    max_page_bytes: Size = 5_000_000
    max_pages_per_poll: int = Field(200, ge=1)
    max_redirects: int = Field(10, ge=0, le=50)
    max_age: Duration | None = None  # entries older than this are not imported
    allow_addresses: Networks = Field(default_factory=list)
    title_max_chars: int = Field(80, ge=0)
    workers: int | None = Field(None, ge=1, le=256)  # extraction processes; default: CPUs
    log_level: str = "INFO"
    dedup: DedupSettings = Field(default_factory=DedupSettings)  # ingest/core/dedup.py
    # `ingest run` scheduling (ingest/pipeline/schedule.py): a feed without its own `interval:`
    # follows how often it publishes, within [min_interval, max_interval]; failures back
    # off exponentially up to max_backoff; SIGTERM waits shutdown_grace for polls to end.
    adaptive: bool = True
    min_interval: Interval = 300.0
    max_interval: Interval = 86400.0
    max_backoff: Duration = 21600.0
    shutdown_grace: Duration = 5.0

    @model_validator(mode="after")
    def _interval_bounds(self) -> Settings:
        if self.min_interval > self.max_interval:
            raise ValueError("min_interval must not be larger than max_interval")
        return self

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        if v.upper() not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
        return v.upper()

    @property
    def agent(self) -> str:
        return self.user_agent or f"news-ingest/{__version__} (+{PROJECT_URL})"


class ExtractRules(_Strict):
    """`extract:` of a feed: overrides for a site the generic rules get wrong
    (ingest/extract/overrides.py)."""

    body: str | None = None  # CSS selector of the article body
    drop: list[str] = Field(default_factory=list)  # CSS selectors of elements to remove

    @field_validator("body")
    @classmethod
    def _body(cls, v: str | None) -> str | None:
        return _css(v) if v is not None else None

    @field_validator("drop")
    @classmethod
    def _drop(cls, v: list[str]) -> list[str]:
        return [_css(css) for css in v]


def _css(css: str) -> str:
    """A CSS selector that extraction can use (the translation lxml's CSSSelector makes)."""
    import cssselect  # only for the configs that use `extract:`

    try:
        cssselect.HTMLTranslator().css_to_xpath(css.strip())
    except cssselect.SelectorError as exc:
        raise ValueError(f"not a CSS selector: {css!r} ({exc})") from None
    return css.strip()


class FeedSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    url: str
    interval: Interval | None = None
    enabled: bool = True
    language: str | None = None
    tags: list[str] = Field(default_factory=list)
    full_content: bool = False
    max_age: Duration | None = None
    dedup: bool = True  # false: never merged by content with other articles
    allow_addresses: Networks = Field(default_factory=list)
    extract: ExtractRules | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+", v.strip(), re.IGNORECASE):
            raise ValueError("expected an http:// or https:// URL")
        return v.strip()

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if v != v.strip() or any(c in v for c in "\n\r\t/"):
            raise ValueError("a feed name has no slashes, tabs, newlines or edge spaces")
        return v


class Config(_Strict):
    settings: Settings = Field(default_factory=Settings)
    feeds: list[FeedSpec] = Field(default_factory=list)
    path: Path = Path(DEFAULT_CONFIG)  # set by load_config, not read from the file
    # Not errors, said on standard error by the CLI: feeds sharing a URL, entries left
    # out by a lenient load (read-only commands go on over a typo in one feed).
    warnings: tuple[str, ...] = ()

    @property
    def store_dir(self) -> Path:
        return (self.path.parent / self.settings.store).resolve()

    @property
    def database_url(self) -> str:
        return self.settings.database_url or f"sqlite:///{self.store_dir / 'ingest.db'}"

    def feed(self, name: str) -> FeedSpec:
        for feed in self.feeds:
            if feed.name == name:
                return feed
        known = ", ".join(f.name for f in self.feeds) or "none"
        raise ConfigError(f"no feed named {name!r} in {self.path} (feeds: {known})")

    def interval_of(self, feed: FeedSpec) -> float:
        return feed.interval if feed.interval is not None else self.settings.interval

    def allowed_networks(
        self, feed: FeedSpec | None = None
    ) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        extra = feed.allow_addresses if feed else []
        return [*self.settings.allow_addresses, *extra]


def config_path(path: str | os.PathLike[str] | None = None) -> Path:
    """--config, else $INGEST_CONFIG, else ./feeds.yaml."""
    return Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None, *, lenient: bool = False) -> Config:
    file = config_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{file}: no such file. Create one with `ingest init` (see README: feeds.yaml), "
            "or pass --config PATH"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from None
    return parse_config(text, file, lenient=lenient)


def parse_config(text: str, file: Path, *, lenient: bool = False) -> Config:
    """The Config of `text`; ConfigError naming file, line, feed and field.

    `lenient`: feed entries with errors are left out, with a warning each, instead of
    failing the whole file (for read-only commands: a typo in one feed must not stop
    `ingest list`). Errors in `settings:` and in the YAML itself still fail.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        # ruamel reports an error at the end of the file one line past the last one
        line = min(mark.line + 1, max(len(text.splitlines()), 1)) if mark else None
        where = f"{file}:{line}" if line else str(file)
        raise ConfigError(f"{where}: invalid YAML: {_yaml_problem(exc)}") from None
    except YAMLError as exc:  # e.g. a control character: ruamel's ReaderError has no mark
        raise ConfigError(f"{file}: invalid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{file}:1: expected a mapping with 'settings:' and 'feeds:'")
    if data.get("feeds") is None and "feeds" in data:
        data["feeds"] = []
    warnings: list[str] = []
    bad: set[int] | None = set()
    try:
        config = Config.model_validate({**data, "path": file.absolute()})
    except ValidationError as exc:
        bad = _bad_feeds(exc)
        if not (lenient and bad is not None):
            raise ConfigError(_explain(exc, data, file)) from None
        # Leave the broken entries out, say so, and validate the rest.
        warnings += [
            f"{line}; this feed is left out" for line in _explain(exc, data, file).splitlines()
        ]
        feeds = [f for i, f in enumerate(data["feeds"]) if i not in bad]
        try:
            config = Config.model_validate({**data, "feeds": feeds, "path": file.absolute()})
        except ValidationError as again:
            raise ConfigError(_explain(again, data, file)) from None
    kept = [i for i in range(len(data.get("feeds") or [])) if i not in (bad or set())]
    _check_unique_names(data, kept, file)
    warnings += _shared_urls(config, data, kept, file)
    return config.model_copy(update={"warnings": tuple(warnings)}) if warnings else config


def _bad_feeds(exc: ValidationError) -> set[int] | None:
    """Indexes of the feed entries with errors; None if any error lies elsewhere."""
    bad: set[int] = set()
    for err in exc.errors():
        loc = err["loc"]
        if len(loc) < 2 or loc[0] != "feeds" or not isinstance(loc[1], int):
            return None
        bad.add(loc[1])
    return bad


def _check_unique_names(data: Any, kept: list[int], file: Path) -> None:
    """`kept`: the indexes in the file of the feeds loaded (all, unless lenient)."""
    seen: dict[str, int] = {}
    for i in kept:
        feed = data["feeds"][i]
        name = feed.get("name") if isinstance(feed, dict) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            first = _line_of(data, ("feeds", seen[name], "name"))
            line = _line_of(data, ("feeds", i, "name"))
            where = f"{file}:{line}" if line else str(file)
            raise ConfigError(
                f"{where}: feed #{i + 1} field 'name': {name!r} is used twice (feed "
                f"#{seen[name] + 1}, line {first}, has it); names must be unique"
            )
        seen[name] = i


def _shared_urls(config: Config, data: Any, kept: list[int], file: Path) -> list[str]:
    """Two feeds with the same URL poll it twice: said, not refused (a hand edit may
    mean it, as with different tags), as `feeds add` refuses it."""
    first: dict[str, int] = {}
    warnings = []
    for i, feed in zip(kept, config.feeds, strict=True):
        key = _url_key(feed.url)
        if key in first:
            other = data["feeds"][first[key]]["name"]
            line = _line_of(data, ("feeds", i, "url"))
            where = f"{file}:{line}" if line else str(file)
            warnings.append(
                f"{where}: feed #{i + 1} ({feed.name}) has the same URL as {other!r}: "
                "it is polled twice; remove one of them"
            )
        else:
            first[key] = i
    return warnings


def _url_key(url: str) -> str:
    """Scheme and host in any case, a trailing slash or not: the same URL. (Not
    ingest.core.urls.canonical_url: loading the config must stay quick.)"""
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/") or "/", parts.query, "")
    )


# ruamel's words for common slips -> what to change.
_YAML_PROBLEMS = (
    ("expected <block end>", "the indentation does not line up with the lines above "
     "(check the spaces at the start of this line and the one before)"),
    ("mapping values are not allowed", "a ':' where none is expected (check the "
     "indentation, or quote a value that contains ': ')"),
    ("could not find expected ':'", "a key without its ':' (write key: value)"),
    ("<stream end>", "the file ends inside an unclosed bracket or quote"),
    ("found character '\\t'", "a tab character: indent with spaces"),
    ("found undefined alias", "a '*' at the start of a value: quote the value"),
    ("found character '@'", "a value starting with '@' or '`': quote the value"),
    ("while scanning a quoted scalar", "a quote that is never closed"),
)  # fmt: skip


def _yaml_problem(exc: MarkedYAMLError) -> str:
    problem = str(exc.problem or exc)
    for words, meaning in _YAML_PROBLEMS:
        if words in problem or words in str(exc.context or ""):
            return meaning
    return problem


def _explain(exc: ValidationError, data: Any, file: Path) -> str:
    lines = []
    for err in exc.errors():
        loc = err["loc"]
        line = _line_of(data, loc)
        where = f"{file}:{line}" if line else str(file)
        lines.append(f"{where}: {_describe(data, loc)}: {_message(err)}")
    return "\n".join(lines)


def _message(err: Any) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        hint = _did_you_mean(err["loc"])
        return f"unknown key; {hint or 'check the spelling'} (see README: feeds.yaml)"
    if kind == "missing":
        return "required field is missing"
    if kind in ("model_type", "dict_type") and err["loc"][:1] == ("feeds",):
        return (
            f"expected a feed as 'name:' and 'url:' lines (- name: example, then "
            f"url: https://...), not {_show(value)}"
        )
    if kind == "model_type":
        return f"expected a mapping of keys, not {_show(value)}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, not {_show(value)}"
    if kind in ("float_parsing", "float_type"):
        return f"expected a number, not {_show(value)}"
    if kind in ("bool_parsing", "bool_type"):
        return f"expected true or false, not {_show(value)}"
    if kind in ("string_type",):
        return f"expected text, not {_show(value)}"
    if kind in ("list_type",):
        return f"expected a list such as [a, b], not {_show(value)}"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def _show(value: Any) -> str:
    text = repr(value if isinstance(value, (str, int, float, bool)) or value is None else
                type(value).__name__.replace("Commented", "").lower())  # fmt: skip
    return text if len(text) <= 60 else text[:57] + "..."


def _did_you_mean(loc: tuple[Any, ...]) -> str | None:
    """ "did you mean 'concurrency'?" for a misspelt key."""
    import difflib

    model: type[BaseModel] = Config
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        nested = field.annotation if field else None
        if part == "feeds":
            nested = FeedSpec
        if not (isinstance(nested, type) and issubclass(nested, BaseModel)):
            return None
        model = nested
    keys = [k for k in model.model_fields if k not in ("path", "warnings")]
    close = difflib.get_close_matches(str(loc[-1]), keys, n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}?" if close else None


def _describe(data: Any, loc: tuple[Any, ...]) -> str:
    """'feeds[2] (name: gazzetta) field interval' from a pydantic location."""
    if len(loc) >= 2 and loc[0] == "feeds" and isinstance(loc[1], int):
        feed = data["feeds"][loc[1]] if _has(data.get("feeds"), loc[1]) else None
        name = feed.get("name") if isinstance(feed, dict) else None
        who = f"feed #{loc[1] + 1}" + (f" ({name})" if name else "")
        rest = ".".join(str(p) for p in loc[2:])
        return f"{who} field '{rest}'" if rest else who
    return "field '" + ".".join(str(p) for p in loc) + "'" if loc else "file"


def _has(seq: Any, index: int) -> bool:
    return isinstance(seq, list) and 0 <= index < len(seq)


def _line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest node of `loc` that exists in the YAML document."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    node, line = data, None
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            if isinstance(node, (CommentedMap, CommentedSeq)) and line is None:
                line = node.lc.line + 1
            break
    return line

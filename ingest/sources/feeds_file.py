"""Edit feeds.yaml from the program without mangling what the user wrote by hand.

Hand editing stays the primary way to manage feeds, so a command that writes the file
must leave every other byte alone: comments, blank lines, key order, quoting, indentation.
A round-trip YAML dump (even ruamel.yaml's) still re-flows some of that, so edits are made
on the *text*: ruamel.yaml's round-trip loader tells us on which lines the `feeds:` sequence
and each entry stand, a new entry is rendered in the file's own indentation and spliced in
after the last entry, and a removed entry's lines are cut out.

Every edit is then checked twice before anything is written: the new text must load to
exactly the old document plus (or minus) the entry, and it must pass
`ingest.config.parse_config`. When the text splice cannot give that (a flow-style
`feeds: [...]`, odd layouts), we fall back to a full round-trip dump of the document, which
keeps comments but may re-indent.

Writes are atomic (temporary file, fsync, rename) and the previous version is kept next to
the file as `feeds.yaml.bak`. The daemon sees the new file like any hand edit.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from ingest.config import Config, parse_config
from ingest.core.errors import ConfigError
from storage import files

BOM = "\ufeff"
BACKUP_SUFFIX = ".bak"
# Keys of a new entry, in the order they are written.
ENTRY_KEYS = ("name", "url", "interval", "enabled", "tags")

Entry = Mapping[str, Any]


# -- the edits, as pure text -> text functions ---------------------------------------------


def append_entries(text: str, entries: Sequence[Entry]) -> str:
    """`text` with `entries` appended to its `feeds:` sequence, every other byte kept."""
    if not entries:
        return text
    data = _load(text)

    def mutate(doc: CommentedMap) -> None:
        feeds = doc.get("feeds")
        if not isinstance(feeds, CommentedSeq):
            feeds = doc["feeds"] = CommentedSeq()
        feeds.fa.set_block_style()
        feeds.extend(_entry_map(e) for e in entries)

    expected = _plain(data)
    expected["feeds"] = [*(expected.get("feeds") or []), *(_plain(_entry_map(e)) for e in entries)]
    spliced = _splice_append(text, data, entries)
    return _checked(text, spliced, expected, mutate)


def _index_of(feeds: Any, name: str) -> int:
    """The position of the feed called `name` under `feeds:`; ConfigError naming the others."""
    names = [f.get("name") if isinstance(f, Mapping) else None for f in feeds or []]
    if name not in names:
        known = ", ".join(str(n) for n in names if n) or "none"
        raise ConfigError(f"no feed named {name!r} (feeds: {known})")
    return names.index(name)


def remove_entry(text: str, name: str) -> str:
    """`text` without the feed called `name`; other lines, comments included, kept."""
    data = _load(text)
    feeds = data.get("feeds")
    index = _index_of(feeds, name)

    def mutate(doc: CommentedMap) -> None:
        del doc["feeds"][index]

    expected = _plain(data)
    del expected["feeds"][index]
    return _checked(text, _splice_remove(text, feeds, index), expected, mutate)


def set_enabled_entry(text: str, name: str, enabled: bool) -> str:
    """`text` with the feed `name` enabled or disabled: its `enabled:` value replaced, or
    an `enabled: false` line added under its `url:`; every other byte kept."""
    data = _load(text)
    feeds = data.get("feeds")
    index = _index_of(feeds, name)
    entry = feeds[index]
    if entry.get("enabled", True) is enabled:
        return text

    def mutate(doc: CommentedMap) -> None:
        doc["feeds"][index]["enabled"] = enabled

    expected = _plain(data)
    expected["feeds"][index]["enabled"] = enabled
    return _checked(text, _splice_enabled(text, entry, enabled), expected, mutate)


def _splice_enabled(text: str, entry: CommentedMap, enabled: bool) -> str | None:
    lines = _lines(text)
    value = "true" if enabled else "false"
    try:
        if "enabled" in entry:
            line, col = entry.lc.value("enabled")
            token = lines[line][col:].split()[0] if lines[line][col:].split() else ""
            lines[line] = lines[line][:col] + value + lines[line][col + len(token) :]
        else:
            line, col = entry.lc.key("url")
            lines = _terminated(lines, _newline(text))
            lines.insert(line + 1, " " * col + f"enabled: {value}" + _newline(text))
    except (IndexError, KeyError, TypeError):
        return None  # an odd layout: the round-trip dump does it
    return "".join(lines)


def _checked(
    text: str,
    spliced: str | None,
    expected: Any,
    mutate: Callable[[CommentedMap], None],
) -> str:
    """The spliced text if it loads to `expected`, else a full round-trip dump."""
    if spliced is not None and _plain(_load_or_none(spliced)) == expected:
        return spliced
    dumped = _roundtrip(text, mutate)
    if _plain(_load_or_none(dumped)) != expected:  # a bug, not a user error: stay loud
        raise AssertionError("feeds.yaml edit did not produce the expected document")
    return dumped


# -- splicing -----------------------------------------------------------------------------


def _splice_append(text: str, data: CommentedMap, entries: Sequence[Entry]) -> str | None:
    lines = _lines(text)
    nl = _newline(text)
    feeds = data.get("feeds")
    if "feeds" not in data:
        block = ["feeds:" + nl, *_render(entries, dash=2, offset=2, nl=nl)]
        return "".join(_terminated(lines, nl) + block)
    if feeds is None:  # `feeds:` with nothing after it (a comment at most)
        key_line = data.lc.key("feeds")[0]
        if _strip_comment(lines[key_line]).strip() != "feeds:":
            return None  # `feeds: ~`, `feeds: null`: leave it to the round trip
        dash = data.lc.key("feeds")[1] + 2
        rendered = _render(entries, dash=dash, offset=2, nl=nl)
        head = _terminated(lines[: key_line + 1], nl)
        return "".join(head + rendered + lines[key_line + 1 :])
    if not isinstance(feeds, CommentedSeq) or feeds.fa.flow_style() or not feeds:
        return None
    dash = feeds.lc.col
    last_line, last_col = feeds.lc.item(len(feeds) - 1)
    offset = max(2, last_col - dash) if last_line == _dash_line(lines, last_line, dash) else 2
    end = _sequence_end(lines, last_line, dash)
    separated = len(feeds) > 1 and last_line > 0 and not lines[last_line - 1].strip()
    rendered = _render(entries, dash=dash, offset=offset, nl=nl, blank_before=separated)
    head = _terminated(lines[:end], nl)
    return "".join(head + rendered + lines[end:])


def _splice_remove(text: str, feeds: CommentedSeq, index: int) -> str | None:
    if feeds.fa.flow_style():
        return None
    lines = _lines(text)
    dash = feeds.lc.col
    start = feeds.lc.item(index)[0]
    if _dash_line(lines, start, dash) != start:
        return None
    if index + 1 < len(feeds):
        end = _content_end(lines, start, feeds.lc.item(index + 1)[0])
    else:
        end = _sequence_end(lines, start, dash)
    before, after = lines[:start], lines[end:]
    # A comment right above the entry (`# Italian`) goes with it, unless another entry
    # follows directly and the comment heads that one too (a section of several).
    following = next((ln for ln in after if ln.strip()), "")
    if not _is_item(following, dash):
        while before and before[-1].strip().startswith("#"):
            before = before[:-1]
    # Entries separated by blank lines: do not leave two blank lines where one was, nor
    # the separator of a last entry (append writes one before the entry it adds).
    last = index == len(feeds) - 1
    if not last and after and not after[0].strip():
        after = after[1:]
    elif last and before and not before[-1].strip():
        before = before[:-1]
    return "".join(before + after)


def _is_item(line: str, dash: int) -> bool:
    return _dash_line([line], 0, dash) == 0


def _sequence_end(lines: list[str], last_item: int, dash: int) -> int:
    """Index just past the last content line of the sequence whose last item starts here."""
    stop = len(lines)
    for i in range(last_item + 1, len(lines)):
        if _is_content(lines[i]):
            indent = len(lines[i]) - len(lines[i].lstrip(" "))
            stripped = lines[i].strip()
            item = stripped == "-" or stripped.startswith("- ")
            if indent < dash or (indent == dash and not item):
                stop = i
                break
    return _content_end(lines, last_item, stop)


def _content_end(lines: list[str], start: int, stop: int) -> int:
    """Index past the last content line in [start, stop): trailing comments stay outside."""
    end = start + 1
    for i in range(start, stop):
        if _is_content(lines[i]):
            end = i + 1
    return end


def _dash_line(lines: list[str], line: int, dash: int) -> int | None:
    """`line` when it starts with the item's dash at column `dash`, else None."""
    if line >= len(lines):
        return None
    text = lines[line]
    return line if len(text) > dash and text[dash] == "-" and not text[:dash].strip() else None


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _strip_comment(line: str) -> str:
    return line.split(" #", 1)[0].split("\t#", 1)[0].rstrip("\r\n")


def _render(
    entries: Sequence[Entry], *, dash: int, offset: int, nl: str, blank_before: bool = False
) -> list[str]:
    """Entries as block YAML lines, dash at column `dash`, keys `offset` columns further."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=offset, offset=0)
    yaml.width = 4096  # never fold a long URL onto a second line
    out: list[str] = []
    for entry in entries:
        buffer = io.StringIO()
        yaml.dump([_entry_map(entry)], buffer)
        if blank_before:
            out.append(nl)
        out.extend(" " * dash + line + nl for line in buffer.getvalue().splitlines())
    return out


def _entry_map(entry: Entry) -> CommentedMap:
    unknown = set(entry) - set(ENTRY_KEYS)
    if unknown:
        raise ValueError(f"cannot write feed keys {sorted(unknown)}")
    mapping = CommentedMap()
    for key in ENTRY_KEYS:
        value = entry.get(key)
        if value is None or value == [] or value == ():
            continue
        if key == "tags":
            tags = CommentedSeq(list(value))
            tags.fa.set_flow_style()  # tags: [a, b] reads best on one line
            value = tags
        mapping[key] = value
    return mapping


# -- loading and dumping ------------------------------------------------------------------


def _load(text: str) -> CommentedMap:
    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise ConfigError(f"cannot edit: the file is not valid YAML: {exc}") from None
    if data is None:
        return CommentedMap()
    if not isinstance(data, CommentedMap):
        raise ConfigError("cannot edit: the file is not a mapping with 'settings:' and 'feeds:'")
    return data


def _load_or_none(text: str) -> Any:
    try:
        return YAML(typ="rt").load(text)
    except YAMLError:
        return None


def _roundtrip(text: str, mutate: Callable[[CommentedMap], None]) -> str:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(text) or CommentedMap()
    mutate(data)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def _plain(node: Any) -> Any:
    """CommentedMap/Seq -> dict/list, to compare documents by value only."""
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _lines(text: str) -> list[str]:
    # Split on "\n" only: str.splitlines() also splits on characters YAML does not.
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return lines + [parts[-1]] if parts[-1] else lines


def _terminated(lines: list[str], nl: str) -> list[str]:
    """`lines` with a final newline, so that what follows starts on a line of its own."""
    if lines and not lines[-1].endswith("\n"):
        return [*lines[:-1], lines[-1] + nl]
    return list(lines)


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


# -- the file -----------------------------------------------------------------------------


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file. Create it or pass --config PATH") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def edit(path: Path, change: Callable[[str], str]) -> Config:
    """Apply `change` to the file's text, validate, write atomically with a backup."""
    target = path.resolve()  # write through a symlink, not over it
    old = read_text(target)
    bom = BOM if old.startswith(BOM) else ""
    new = bom + change(old.removeprefix(BOM))
    config = parse_config(new.removeprefix(BOM), path)  # refuse to write an invalid file
    if new != old:
        write_atomic(target, new, expected_old=old)
    return config


def write_atomic(
    path: Path, text: str, *, expected_old: str | None = None, backup: bool = True
) -> None:
    """Replace `path` with `text`; the previous content goes to `path.bak` first."""
    current = path.read_bytes() if path.exists() else None
    if expected_old is not None and current != expected_old.encode("utf-8"):
        # Someone saved the file between our read and now: do not overwrite their edit.
        raise ConfigError(f"{path} changed while it was being edited; run the command again")
    mode = path.stat().st_mode & 0o7777 if current is not None else 0o644
    try:
        if current is not None and backup:
            files.write_atomic(path.with_name(path.name + BACKUP_SUFFIX), current, mode)
        files.write_atomic(path, text.encode("utf-8"), mode)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc}") from None


def add_entries(path: Path, entries: Sequence[Entry]) -> Config:
    return edit(path, lambda text: append_entries(text, entries))


def remove_feed(path: Path, name: str) -> Config:
    return edit(path, lambda text: remove_entry(text, name))


def set_enabled(path: Path, name: str, enabled: bool) -> Config:
    return edit(path, lambda text: set_enabled_entry(text, name, enabled))


STARTER = """\
# news-ingest configuration, read by every `ingest` command in this folder.
# Every key is documented in README.md ("feeds.yaml reference"); unknown keys are errors.
# Add feeds with `ingest feeds add URL` (a feed, a home page or an article page), then
# run `ingest poll` once, or `ingest run` as a service.

settings:
  store: store            # articles/ and ingest.db go here, relative to this file
  # database_url: postgresql://user@host/db   # default: SQLite in the store
  adaptive: true          # ingest run paces each feed by how often it publishes (5m-24h)
  # interval: 30m         # with adaptive: false, every feed is polled this often
  # max_age: 7d           # items older than this are not imported
  log_level: INFO         # DEBUG, INFO, WARNING, ERROR

feeds:
  # - name: example       # unique; used by --feed, status and the files
  #   url: https://www.example.com/feed.xml
  #   tags: [news]
  #   interval: 15m       # optional: a fixed pace for this feed
  #   enabled: true
"""


def write_starter(path: Path) -> Path:
    """Create `path` with the commented starter configuration; never over a file."""
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as out:
            out.write(STARTER)
    except FileExistsError:
        raise ConfigError(
            f"{path} exists already: edit it, or run `ingest init` in another folder"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc}") from None
    return path

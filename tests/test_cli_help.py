"""Every command documents itself: --help works and shows an example."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from ingest.cli import main


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(commands(command, (*prefix, name)))
    return found


@pytest.mark.parametrize("path", commands(main), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 3


def test_the_command_list_is_complete() -> None:
    names = {" ".join(p) for p in commands(main)}
    expected = {"poll", "run", "status", "list", "show", "query", "export", "serve", "feeds",
                "init", "extract", "prune"}  # fmt: skip
    assert expected <= names
    assert {"feeds add", "feeds remove", "feeds list", "feeds check"} <= names
    assert {"feeds import", "feeds export", "feeds enable", "feeds disable"} <= names

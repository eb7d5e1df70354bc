"""Run `ingest poll` N times on fresh stores and count abnormal exits (crash hunting).

    .venv/bin/python bench/poll_loop.py 40            # SQLite
    .venv/bin/python bench/poll_loop.py 40 --postgres # a fresh schema each time

Each iteration polls two fixture feeds of tests/site with `workers: 1` (extraction in
threads of the ingesting process), then polls again (all 304). A native crash shows as a
negative exit status (-6 abort, -11 segfault). This found the race fixed in
ingest.pipeline.make_cpu_pool: 2 and 7 crashes in 80 polls before, 0 in 80 after.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.site.server import SiteServer  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/test"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", type=int)
    p.add_argument("--postgres", action="store_true")
    args = p.parse_args()
    exits: collections.Counter[int] = collections.Counter()
    work = Path(tempfile.mkdtemp(prefix="poll-loop-"))
    with SiteServer() as site:
        for i in range(args.n):
            schema = f"loop_{uuid.uuid4().hex[:10]}"
            settings = ['  allow_addresses: ["127.0.0.1/32"]', "  workers: 1"]
            if args.postgres:
                import psycopg

                with psycopg.connect(PG, autocommit=True) as conn:
                    conn.execute(f'CREATE SCHEMA "{schema}"')
                url = PG.replace("postgresql://", "postgresql+psycopg://")
                settings.append(f'  database_url: "{url}?options=-csearch_path%3D{schema}"')
            folder = work / str(i)
            folder.mkdir()
            feeds = [
                f"  - name: {n.replace('.', '-')}\n    url: {site.url('/feeds/' + n)}"
                for n in ("it.xml", "tracking.xml")
            ]
            text = "settings:\n" + "\n".join(settings) + "\nfeeds:\n" + "\n".join(feeds) + "\n"
            (folder / "feeds.yaml").write_text(text)
            for run in (1, 2):
                proc = subprocess.run(
                    [sys.executable, "-m", "ingest", "poll"], cwd=folder, capture_output=True,
                    text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                )  # fmt: skip
                exits[proc.returncode] += 1
                if proc.returncode < 0:
                    print(f"poll {i}.{run}: exit {proc.returncode} {proc.stderr[-200:]!r}")
            if args.postgres:
                with psycopg.connect(PG, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    shutil.rmtree(work, ignore_errors=True)
    print("exit statuses:", dict(exits))


if __name__ == "__main__":
    main()

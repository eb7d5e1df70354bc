"""Serve the test site by hand: `python -m tests.site [--port N] [--root DIR]`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tests.site.server import DEFAULT_ROOT, SiteServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.site", description=__doc__)
    parser.add_argument("--port", type=int, default=8000, help="0 for a free port (8000)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="folder to serve")
    args = parser.parse_args(argv)
    site = SiteServer(args.root, host=args.host, port=args.port)
    with site:
        print(f"serving {site.root} at {site.base}/  (Ctrl-C to stop)")
        feeds = sorted(p for p in (site.root / "feeds").glob("*") if p.is_file())
        for feed in feeds:
            print(f"  {site.url('/feeds/' + feed.name)}")
        sys.stdout.flush()
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                for record in site.requests[seen:]:
                    print(f"{record.method} {record.path}")
                seen = len(site.requests)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

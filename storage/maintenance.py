"""Start-of-pass upkeep: rewrite files a crash or a full disk left missing, and bring the
dedup index to the current fingerprint scheme. Both are no-ops on a healthy store."""

from __future__ import annotations

from sqlmodel import col, select

from storage import files, fingerprints
from storage.models import Article
from storage.writes import ArticleWrites


class Maintenance(ArticleWrites):
    def backfill_fingerprints(self, batch: int = 1000) -> int:
        """Fingerprint articles stored before dedup existed (a no-op once done)."""
        total = 0
        while True:
            with self._write("fingerprint stored articles") as s:
                done = fingerprints.backfill(s, batch)
            total += done
            if done < batch:
                return total

    def repair_files(self, verify: bool = False) -> int:
        """Rewrite article files that are missing, or that a crash left unwritten.

        Rows flagged unwritten are rewritten, and every other row's file is checked to
        exist (one stat each, paths streamed in batches). `verify` also compares each
        file's bytes with what the database renders.
        """
        files.remove_stale_temp_files(self.root)
        repaired = 0
        with self.session() as s:
            rows = s.exec(
                select(Article.id, Article.path, Article.file_written).order_by(col(Article.seq))
            )
            suspects = [
                id_
                for id_, path, written in rows
                if not written or verify or not (self.root / path).is_file()
            ]
        for id_ in suspects:
            with self.session() as s:
                article = s.get(Article, id_)
            if article is None:
                continue
            path = self.path_of(article)
            if article.file_written and path.is_file():
                if not verify or path.read_bytes() == self.render(article).encode("utf-8"):
                    continue
            if self.write_file(article) is None:
                repaired += 1
        return repaired

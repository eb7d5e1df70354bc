"""Upkeep: rewrite files a crash or a full disk left missing, bring the dedup index to the
current fingerprint scheme (both no-ops on a healthy store, run at the start of a pass),
and replace stored text with a newer extraction (`ingest reextract`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlmodel import col, select

from ingest.core import dedup
from ingest.core.errors import StorageError
from storage import files, fingerprints
from storage.models import Article, UnwrittenFile
from storage.writes import ArticleWrites, mark_unwritten


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

    def repair_files(self, check_all: bool = False, verify: bool = False) -> int:
        """Rewrite the article files a crash or a full disk left unwritten; return how many.

        By default only the articles marked unwritten are looked at (`unwritten_files`,
        empty on a healthy store): the cost is proportional to what went wrong, not to
        the size of the store. `check_all` also
        stats every row's file (one removed by hand); `verify` also compares its bytes
        with what the database renders. Temporary files of killed writers are removed
        when there is something to repair: a file is written only between a commit that
        marks it unwritten and the delete of that mark, so a writer killed mid-write
        always leaves a mark (and the sweep, which lists every folder of the store, is
        not paid at every pass).
        """
        repaired = 0
        unwritten = col(UnwrittenFile.article_id)
        with self.session() as s:
            query = select(Article.id, Article.path, unwritten)
            if check_all or verify:
                query = query.outerjoin(UnwrittenFile, unwritten == col(Article.id))
            else:
                query = query.join(UnwrittenFile, unwritten == col(Article.id))
            rows = s.exec(query.order_by(col(Article.seq)))
            suspects = [
                id_
                for id_, path, mark in rows
                # the mark is None where the outer join found none
                if cast("str | None", mark) is not None
                or verify
                or not (self.root / path).is_file()
            ]
        if suspects or check_all or verify:
            files.remove_stale_temp_files(self.root)
        for id_ in suspects:
            with self.session() as s:
                article = s.get(Article, id_)
                marked = s.get(UnwrittenFile, id_) is not None
            if article is None:
                continue
            path = self.path_of(article)
            if not marked and path.is_file():
                if not verify or path.read_bytes() == self.render(article).encode("utf-8"):
                    continue
            if self.write_file(article) is None:
                repaired += 1
        return repaired

    def articles_to_reextract(self, feeds: Sequence[str] = ()) -> list[Article]:
        """The stored articles whose body came from their page, of `feeds` (first stored
        from them) or all; in store order."""
        with self.session() as s:
            query = select(Article).where(Article.text_source == "page")
            if feeds:
                query = query.where(col(Article.feed).in_(list(feeds)))
            return list(s.exec(query.order_by(col(Article.seq))))

    def replace_text(
        self,
        article_id: str,
        title: str,
        lead: str | None,
        paragraphs: Sequence[str],
        fp: dedup.Fingerprint | None,
    ) -> Article:
        """A stored article's text, extracted again by newer rules: the row first (same id,
        seq, month and path; not an update of the story, so no update counted), then its
        file is rewritten by `write_file`."""
        with self._write("replace an article's text", durable=True) as s:
            article = s.get(Article, article_id)
            if article is None:
                raise StorageError(f"article {article_id} vanished while it was re-extracted")
            article.title, article.lead = title, lead
            article.body = "\n".join(paragraphs)
            mark_unwritten(s, [article_id])
            fingerprints.index_article(s, article, fp, on=article.dedup_version != 0)
            s.add(article)
        return article

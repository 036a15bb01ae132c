"""The embedding cache: unchanged text is never re-encoded; a concurrent insert of the same row is harmless."""
from __future__ import annotations

import numpy as np

from matchmaker.db import db
from matchmaker.matching import vectors
from matchmaker.models import EmbeddingCache


def test_cache_encodes_each_text_once(empty_app):
    vectors._MEMO.clear()
    before = vectors.STATS["encoded"]
    a = vectors.embed(["光谷人工智能孵化器", "Wuhan AI incubator"])
    vectors._MEMO.clear()  # as another process: only the database cache is left
    b = vectors.embed(["Wuhan AI incubator", "光谷人工智能孵化器", "Wuhan AI incubator"])
    assert vectors.STATS["encoded"] - before == 2
    assert np.allclose(a[1], b[0]) and np.allclose(a[0], b[1]) and np.allclose(b[0], b[2])


def test_duplicate_cache_rows_are_ignored(empty_app):
    row = {"model": "m", "text_hash": "h" * 64, "vector": np.ones(4, np.float32).tobytes()}
    vectors._insert_ignoring_duplicates([row])
    vectors._insert_ignoring_duplicates([row])  # another worker got there first
    db.session.commit()
    n = db.session.execute(db.select(db.func.count()).select_from(EmbeddingCache)
                           .where(EmbeddingCache.model == "m")).scalar_one()
    assert n == 1

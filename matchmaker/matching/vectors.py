"""Embeddings through a cache keyed by model and content hash: unchanged text is never re-encoded."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from flask import current_app

from embeddings import Encoder, load_encoder
from matchmaker.db import db
from matchmaker.models import EmbeddingCache

STATS = {"encoded": 0, "cached": 0}  # per process; the bench reads it
_MEMO: dict[tuple[str, str], np.ndarray] = {}  # per-process front of the database cache
_MEMO_MAX = 200_000


def encoder() -> Encoder:
    """The configured encoder (loaded once per process)."""
    cfg = current_app.config
    return load_encoder(cfg.get("MATCHMAKER_MODEL"), int(cfg.get("MATCHMAKER_ENCODER_THREADS", 1)))


def cache_key(enc: Encoder | None = None) -> str:
    """What cached vectors and index fingerprints are keyed by: the model and its input handling."""
    enc = enc or encoder()
    return getattr(enc, "key", None) or enc.name


def model_name() -> str:
    """The configured model's name, as written into index sidecars."""
    return encoder().name


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embed(texts: Sequence[str], commit: bool = True) -> np.ndarray:
    """Unit vectors for texts, encoding only those not already cached for this model."""
    enc = encoder()
    if not texts:
        return np.zeros((0, enc.dim), np.float32)
    key = cache_key(enc)
    hashes = [text_hash(t) for t in texts]
    found: dict[str, np.ndarray] = {h: _MEMO[(key, h)] for h in hashes if (key, h) in _MEMO}
    uniq = [h for h in dict.fromkeys(hashes) if h not in found]
    for i in range(0, len(uniq), 500):
        chunk = uniq[i:i + 500]
        rows = db.session.execute(
            db.select(EmbeddingCache.text_hash, EmbeddingCache.vector)
            .where(EmbeddingCache.model == key, EmbeddingCache.text_hash.in_(chunk))).all()
        for h, blob in rows:
            found[h] = np.frombuffer(blob, dtype=np.float32)
    missing = {h: t for h, t in zip(hashes, texts) if h not in found}
    STATS["cached"] += len(texts) - len(missing)
    if missing:
        vecs = enc.encode(list(missing.values()))
        STATS["encoded"] += len(missing)
        rows = []
        for h, v in zip(missing, vecs):
            found[h] = v
            rows.append({"model": key, "text_hash": h, "vector": v.tobytes()})
        _insert_ignoring_duplicates(rows)
        if commit:
            db.session.commit()
    if len(_MEMO) > _MEMO_MAX:
        _MEMO.clear()
    for h in hashes:
        _MEMO[(key, h)] = found[h]
    return np.vstack([found[h] for h in hashes]).astype(np.float32)


def _insert_ignoring_duplicates(rows: list[dict]) -> None:
    """Add cache rows; a row another worker inserted meanwhile is left as it is (same text, same vector)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - other databases: plain inserts
        db.session.add_all(EmbeddingCache(**r) for r in rows)
        return
    for i in range(0, len(rows), 500):
        db.session.execute(insert(EmbeddingCache).values(rows[i:i + 500]).on_conflict_do_nothing())


def embed_query(text: str) -> np.ndarray:
    """One free-text query vector, not cached (queries are rarely repeated verbatim)."""
    return encoder().encode([text])[0]

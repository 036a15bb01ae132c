"""The FAISS index per kind: derived from the database, fingerprinted, rebuilt when stale."""
from __future__ import annotations

import fcntl
import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

from embeddings import IndexError_, VectorIndex, fingerprint
from matchmaker.db import db
from matchmaker.matching import vectors
from matchmaker.matching.profiles import TEXT_OF
from matchmaker.models import KINDS

log = logging.getLogger(__name__)
_LOCK = threading.RLock()
# Per process: (index dir, kind) -> (VectorIndex, sidecar sha it was loaded from).
_CACHE: dict[tuple[str, str], tuple[VectorIndex, str]] = {}
VERSION: dict[tuple[str, str], int] = {}  # bumps whenever an index changes in this process


def index_path(kind: str) -> Path:
    return Path(current_app.config["MATCHMAKER_INDEX_DIR"]) / f"{kind}.faiss"


def _key(kind: str) -> tuple[str, str]:
    return (current_app.config["MATCHMAKER_INDEX_DIR"], kind)


_HELD: dict[str, int] = {}  # lock files this process holds, with their nesting depth (guarded by _LOCK)


@contextmanager
def _file_lock(kind: str):
    """Hold an exclusive flock on a lock file beside the index, across processes (re-entrant in-process)."""
    path = index_path(kind)
    lock = str(path) + ".lock"
    with _LOCK:
        if _HELD.get(lock):
            _HELD[lock] += 1
            try:
                yield
            finally:
                _HELD[lock] -= 1
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released by close, or by the kernel if this process dies
            _HELD[lock] = 1
            for orphan in path.parent.glob(path.name + ".*tmp"):  # temp files of a writer that was killed
                orphan.unlink(missing_ok=True)
            try:
                yield
            finally:
                del _HELD[lock]
        finally:
            os.close(fd)


def records(kind: str) -> list:
    """Every record of a kind, in id order."""
    model = KINDS[kind]
    return list(db.session.execute(db.select(model).order_by(model.id)).scalars())


def db_fingerprint(kind: str, recs: list | None = None) -> str:
    """Fingerprint of what the index of this kind should hold now."""
    recs = records(kind) if recs is None else recs
    text_of = TEXT_OF[kind]
    return fingerprint(((r.id, text_of(r)) for r in recs), vectors.cache_key())


def rebuild(kind: str) -> VectorIndex:
    """Encode (through the cache) every record of a kind and write its index atomically."""
    with _LOCK, _file_lock(kind):
        recs = records(kind)
        texts = [TEXT_OF[kind](r) for r in recs]
        enc = vectors.encoder()
        index = VectorIndex(enc.dim, enc.name)
        index.build([r.id for r in recs], vectors.embed(texts))
        index.fingerprint = fingerprint(zip([r.id for r in recs], texts), vectors.cache_key(enc))
        index.save(index_path(kind))
        _remember(kind, index)
        return index


def _remember(kind: str, index: VectorIndex) -> None:
    from embeddings.index import read_sidecar

    meta = read_sidecar(index_path(kind)) or {}
    _CACHE[_key(kind)] = (index, meta.get("sha256", ""))
    VERSION[_key(kind)] = VERSION.get(_key(kind), 0) + 1


def get_index(kind: str) -> VectorIndex:
    """The current index of a kind: from memory, reloaded when another process saved a newer one,
    rebuilt when missing, corrupt, built by another model or out of step with the database."""
    from embeddings.index import read_sidecar

    with _LOCK:
        path = index_path(kind)
        cached = _CACHE.get(_key(kind))
        meta = read_sidecar(path)
        if cached and meta and cached[1] == meta.get("sha256"):
            return cached[0]
        try:
            with _file_lock(kind):  # a writer holds it across its index and sidecar renames
                index = VectorIndex.load(path)
        except IndexError_ as exc:
            log.warning("rebuilding %s index: %s", kind, exc)
            return rebuild(kind)
        if index.model != vectors.model_name() or index.fingerprint != db_fingerprint(kind):
            log.warning("rebuilding %s index: stale (model or records changed)", kind)
            return rebuild(kind)
        _remember(kind, index)
        return index


def upsert(kind: str, record) -> None:
    """Re-embed one saved record and update its vector in the index at once."""
    with _LOCK, _file_lock(kind):  # get_index below reloads what another process saved
        index = get_index(kind)
        text = TEXT_OF[kind](record)
        index.add([record.id], vectors.embed([text]))
        index.fingerprint = db_fingerprint(kind)
        index.save(index_path(kind))
        _remember(kind, index)


def remove(kind: str, record_id: int) -> None:
    """Drop one record's vector from the index."""
    with _LOCK, _file_lock(kind):
        index = get_index(kind)
        index.remove([record_id])
        index.fingerprint = db_fingerprint(kind)
        index.save(index_path(kind))
        _remember(kind, index)


def version(kind: str) -> int:
    """A number that changes whenever this process's view of the index changes."""
    get_index(kind)
    return VERSION.get(_key(kind), 0)

"""VectorIndex: FAISS IndexIDMap2 over exact inner-product search, saved atomically with a sidecar."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np


class IndexError_(RuntimeError):
    """An index file that is missing, corrupt, or does not match its sidecar."""


@dataclass(frozen=True)
class Hit:
    id: int
    score: float


def fingerprint(items: Iterable[tuple[int, str]], model: str) -> str:
    """A stable hash of (id, text) pairs and the model name: what an index was built from."""
    h = hashlib.sha256(model.encode())
    for rid, text in sorted(items, key=lambda it: it[0]):
        h.update(f"{rid}\x1f".encode())
        h.update(hashlib.sha256(text.encode()).digest())
    return h.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class VectorIndex:
    """Unit vectors keyed by database ids; search returns (id, cosine) hits, best first."""

    def __init__(self, dim: int, model: str):
        self.dim = int(dim)
        self.model = model
        self.fingerprint = ""
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def _check(self, ids: Sequence[int], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        return ids, vectors

    def build(self, ids: Sequence[int], vectors: np.ndarray) -> VectorIndex:
        """Replace the contents with these ids and vectors."""
        ids, vectors = self._check(ids, vectors)
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        if len(ids):
            self._index.add_with_ids(vectors, ids)
        return self

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Insert or replace vectors for these ids."""
        ids, vectors = self._check(ids, vectors)
        self.remove(ids)
        if len(ids):
            self._index.add_with_ids(vectors, ids)

    def remove(self, ids: Sequence[int]) -> int:
        """Remove these ids; returns how many were present."""
        ids = np.asarray(list(ids), dtype=np.int64)
        if not len(ids) or not len(self):
            return 0
        return int(self._index.remove_ids(faiss.IDSelectorBatch(ids)))

    def ids(self) -> np.ndarray:
        """All ids in the index, in storage order."""
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of everything stored, in storage order."""
        n = len(self)
        if n == 0:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        flat = self._index.index.reconstruct_n(0, n)
        return self.ids(), np.asarray(flat, dtype=np.float32)

    def vector(self, rid: int) -> np.ndarray | None:
        """The stored vector for one id, or None."""
        try:
            return np.asarray(self._index.reconstruct(int(rid)), dtype=np.float32)
        except RuntimeError:
            return None

    def search(self, query: np.ndarray, k: int = 10) -> list[Hit]:
        """Top-k hits for one query vector, best first, FAISS's -1 padding dropped."""
        return self.search_many(np.asarray(query, dtype=np.float32).reshape(1, -1), k)[0]

    def search_many(self, queries: np.ndarray, k: int = 10) -> list[list[Hit]]:
        """Top-k hits for each row of queries."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        k = min(int(k), len(self))
        if k <= 0:
            return [[] for _ in range(len(queries))]
        scores, ids = self._index.search(queries, k)
        return [[Hit(int(i), float(s)) for i, s in zip(row_i, row_s) if i != -1]
                for row_i, row_s in zip(ids, scores)]

    # -- persistence ------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the index and its sidecar atomically (temp file, then rename)."""
        path = Path(path)
        blob = faiss.serialize_index(self._index).tobytes()
        meta = {"model": self.model, "dim": self.dim, "count": len(self),
                "fingerprint": self.fingerprint, "sha256": hashlib.sha256(blob).hexdigest()}
        _atomic_write(path, blob)
        _atomic_write(sidecar_path(path), json.dumps(meta, indent=1).encode())

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        """Load an index saved by save(); raises IndexError_ when files are missing or disagree."""
        path = Path(path)
        meta = read_sidecar(path)
        if meta is None or not path.exists():
            raise IndexError_(f"no index at {path}")
        blob = path.read_bytes()
        if hashlib.sha256(blob).hexdigest() != meta.get("sha256"):
            raise IndexError_(f"{path} does not match its sidecar (interrupted write?)")
        index = faiss.deserialize_index(np.frombuffer(blob, dtype=np.uint8))
        if index.d != meta["dim"] or index.ntotal != meta["count"]:
            raise IndexError_(f"{path}: sidecar says dim {meta['dim']} count {meta['count']}, "
                              f"file has {index.d} / {index.ntotal}")
        self = cls(meta["dim"], meta["model"])
        self._index = index
        self.fingerprint = meta.get("fingerprint", "")
        return self


def sidecar_path(path: str | Path) -> Path:
    """Where the sidecar of an index file lives."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def read_sidecar(path: str | Path) -> dict | None:
    """The sidecar of an index file, or None when absent or unreadable."""
    try:
        return json.loads(sidecar_path(path).read_text())
    except (OSError, ValueError):
        return None

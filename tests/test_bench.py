"""The encoder cache key and the fast MiniLM backend the benchmark (scripts/bench.py) reports on."""
from __future__ import annotations

import numpy as np
import pytest

from embeddings import MINILM, load_encoder
from embeddings.encoder import SentenceTransformerEncoder, UseEncoder, packaged_minilm_path
from matchmaker.matching import vectors


def test_cache_key_carries_the_input_handling():
    """Vectors are cached under the model and its input window: a new window means a new key."""
    use = UseEncoder()
    assert use.key == "use-multilingual-v3/chars1500"
    narrower = UseEncoder()
    narrower.max_chars = 500
    narrower.__init__()
    assert narrower.key != use.key
    torch_enc = SentenceTransformerEncoder(packaged_minilm_path(), name=MINILM)
    assert torch_enc.key == f"{MINILM}/seq256"
    assert load_encoder(MINILM).key == torch_enc.key  # either backend: one cache


def test_cache_rows_use_the_key(empty_app):
    from matchmaker.db import db
    from matchmaker.models import EmbeddingCache

    vectors._MEMO.clear()
    vectors.embed(["a profile cached under the versioned key"])
    models = set(db.session.execute(db.select(EmbeddingCache.model)).scalars())
    assert models == {vectors.cache_key()}


def test_fast_minilm_backend_matches_torch():
    """MiniLM through the fast backend (OpenVINO when installed) stays at cosine >= 0.999 to torch fp32."""
    enc = load_encoder(MINILM)
    if getattr(enc, "backend", "torch") == "torch":
        pytest.skip("OpenVINO not installed: torch is the backend")
    texts = ["We build traffic signal optimisation software for city road networks using cameras.",
             "A chatbot for retail banking customers", "医疗影像 人工智能", "x",
             " ".join(["long profile text about batteries and grids"] * 60)]
    ref = SentenceTransformerEncoder(packaged_minilm_path(), name=MINILM).encode(texts)
    got = enc.encode(texts)
    assert got.shape == ref.shape and got.dtype == np.float32
    assert (ref * got).sum(axis=1).min() >= 0.999

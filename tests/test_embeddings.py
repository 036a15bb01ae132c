"""Encoder contract (run against every encoder) and VectorIndex mechanics."""
from __future__ import annotations

import json

import numpy as np
import pytest

from embeddings import DEFAULT_MODEL, MINILM, IndexError_, VectorIndex, load_encoder, read_sidecar
from embeddings.index import sidecar_path


@pytest.fixture(scope="module", params=[DEFAULT_MODEL, MINILM])
def encoder(request):
    return load_encoder(request.param)


def test_encoder_contract(encoder):
    texts = ["城市交通信号灯配时优化", "Traffic signal timing optimisation", "Hospital chest CT triage"]
    v = encoder.encode(texts)
    assert v.shape == (3, encoder.dim) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, encoder.dim)
    # Same text, same vector: encoding is deterministic.
    assert np.allclose(encoder.encode(texts[:1]), v[:1], atol=1e-5)


def test_multilingual_default_links_languages():
    """The default model puts a Chinese need nearer the English startup that meets it."""
    enc = load_encoder(DEFAULT_MODEL)
    need, traffic, banking = enc.encode(["路口交通流量分析与信号灯配时优化",
                                         "We analyse intersection traffic flow and optimise signal timing",
                                         "A chatbot that answers retail banking customers' questions"])
    assert need @ traffic > need @ banking + 0.15


def test_packaged_minilm_loads_offline():
    enc = load_encoder(MINILM)
    assert enc.dim == 384 and enc.name == MINILM


def test_unknown_model_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown model"):
        load_encoder("no-such-model-anywhere")


def _unit(n, d=8, seed=0):
    v = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_index_search_add_remove():
    vecs = _unit(5)
    idx = VectorIndex(8, "fake").build([10, 20, 30, 40, 50], vecs)
    hits = idx.search(vecs[2], k=3)
    assert hits[0].id == 30 and hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert len(idx.search(vecs[0], k=99)) == 5  # no -1 padding
    idx.add([30], vecs[0:1])  # replaces, does not duplicate
    assert len(idx) == 5 and np.allclose(idx.vector(30), vecs[0])
    assert idx.remove([30, 999]) == 1 and len(idx) == 4
    assert 30 not in {h.id for h in idx.search(vecs[2], k=10)}


def test_index_save_load_roundtrip(tmp_path):
    vecs = _unit(4)
    idx = VectorIndex(8, "fake").build([1, 2, 3, 4], vecs)
    idx.fingerprint = "abc"
    path = tmp_path / "s.faiss"
    idx.save(path)
    meta = read_sidecar(path)
    assert meta["model"] == "fake" and meta["dim"] == 8 and meta["count"] == 4 and meta["fingerprint"] == "abc"
    back = VectorIndex.load(path)
    assert back.fingerprint == "abc" and len(back) == 4
    assert [h.id for h in back.search(vecs[3], 2)] == [h.id for h in idx.search(vecs[3], 2)]
    assert not list(tmp_path.glob("*.tmp"))  # the temp files were renamed into place


def test_index_detects_mismatched_sidecar(tmp_path):
    path = tmp_path / "s.faiss"
    VectorIndex(8, "fake").build([1, 2], _unit(2)).save(path)
    meta = json.loads(sidecar_path(path).read_text())
    VectorIndex(8, "fake").build([1, 2, 3], _unit(3)).save(tmp_path / "other.faiss")
    (tmp_path / "other.faiss").replace(path)  # index file from another build, old sidecar
    sidecar_path(path).write_text(json.dumps(meta))
    with pytest.raises(IndexError_):
        VectorIndex.load(path)
    with pytest.raises(IndexError_):
        VectorIndex.load(tmp_path / "missing.faiss")

"""VectorIndex by size: exact (flat) below the threshold, IVF at or above it; one contract for both kinds,
and recall@10 of the IVF index against exact search on clustered synthetic data at the switch."""
from __future__ import annotations

import numpy as np
import pytest

from embeddings import IndexError_, VectorIndex
from embeddings.index import ANN_THRESHOLD, ivf_params

D = 64
SWITCH = 4000  # a small threshold, so the test builds a real IVF index in a second


def _clustered(n: int, seed: int = 0, spread: float = 0.25) -> np.ndarray:
    """Unit vectors around a few hundred centres, like profile embeddings (topics), not uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(300, D)).astype(np.float32)
    v = centres[rng.integers(0, len(centres), n)] + rng.normal(scale=spread, size=(n, D)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture(params=["flat", "ivf"])
def index(request):
    n = SWITCH if request.param == "ivf" else SWITCH - 1
    idx = VectorIndex(D, "fake", ann_threshold=SWITCH).build(np.arange(1000, 1000 + n), _clustered(n))
    assert idx.kind == request.param
    return idx


def test_contract_holds_for_both_kinds(index, tmp_path):
    n = len(index)
    vecs = _clustered(n)
    hits = index.search(vecs[7], k=5)
    assert hits[0].id == 1007 and hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.id != -1 for h in index.search(vecs[0], k=n + 50))
    # add replaces, never duplicates
    index.add([1007], vecs[8:9])
    assert len(index) == n and np.allclose(index.vector(1007), vecs[8])
    # remove by id, unknown ids ignored
    assert index.remove([1007, 999_999]) == 1 and len(index) == n - 1
    assert index.vector(1007) is None
    assert 1007 not in {h.id for h in index.search(vecs[8], k=10)}
    # ids and vectors come back whole
    ids, stored = index.vectors()
    order = np.argsort(ids)
    assert len(ids) == n - 1 and np.array_equal(np.sort(index.ids()), ids[order])
    keep = np.flatnonzero(np.arange(1000, 1000 + n) != 1007)
    assert np.allclose(stored[order], vecs[keep])
    # save / load keeps the kind, the count and the answers
    path = tmp_path / "x.faiss"
    index.fingerprint = "fp"
    index.save(path)
    back = VectorIndex.load(path)
    assert back.kind == index.kind and len(back) == n - 1 and back.fingerprint == "fp"
    assert [h.id for h in back.search(vecs[3], 10)] == [h.id for h in index.search(vecs[3], 10)]
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(IndexError_):
        VectorIndex.load(path)


def test_growing_past_the_threshold_switches_to_ivf():
    vecs = _clustered(SWITCH + 10)
    idx = VectorIndex(D, "fake", ann_threshold=SWITCH).build(np.arange(SWITCH - 1), vecs[:SWITCH - 1])
    assert idx.kind == "flat"
    idx.add(np.arange(SWITCH - 1, SWITCH + 10), vecs[SWITCH - 1:])
    assert idx.kind == "ivf" and len(idx) == SWITCH + 10
    assert idx.search(vecs[SWITCH + 5], 1)[0].id == SWITCH + 5


def test_ivf_recall_at_the_switch():
    """recall@10 of the IVF index against exact search, at the size where it takes over."""
    n = SWITCH
    vecs = _clustered(n, seed=1)
    rng = np.random.default_rng(2)
    queries = vecs[rng.integers(0, n, 200)] + rng.normal(scale=0.05, size=(200, D)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    ids = np.arange(n)
    exact = VectorIndex(D, "fake", ann_threshold=n + 1).build(ids, vecs)
    ivf = VectorIndex(D, "fake", ann_threshold=n).build(ids, vecs)
    assert (exact.kind, ivf.kind) == ("flat", "ivf")
    recall = np.mean([len({h.id for h in ivf.search(q, 10)} & {h.id for h in exact.search(q, 10)}) / 10
                      for q in queries])
    assert recall >= 0.98, recall


def test_ivf_parameters_scale_with_size():
    assert ANN_THRESHOLD >= 10_000  # benchmark pools (at most ~15,000) stay exact unless configured otherwise
    small, big = ivf_params(10_000), ivf_params(1_000_000)
    assert small[0] < big[0] and 1 <= small[1] <= small[0] and big[1] <= big[0]

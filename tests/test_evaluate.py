"""The evaluation harness: exact metrics on hand-made rankings and a tiny benchmark; weights from one file."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from matchmaker.evaluate import evaluate, ndcg_at, score_runs
from matchmaker.matching import scoring

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


def test_metrics_exact_values():
    runs = {"q1": ["a", "b", "c"], "q2": ["x", "y", "z"]}
    qrels = {"q1": {"b"}, "q2": {"x", "z"}}
    m = score_runs(runs, qrels)
    # q1: relevant 2nd -> rr 0.5, ndcg 1/log2(3); q2: 1st and 3rd -> rr 1, ndcg (1 + 0.5) / (1 + 1/log2(3))
    ndcg1 = 1 / math.log2(3)
    ndcg2 = (1 + 0.5) / (1 + 1 / math.log2(3))
    assert m["mrr"] == pytest.approx(0.75, abs=1e-4)
    assert m["ndcg@10"] == pytest.approx((ndcg1 + ndcg2) / 2, abs=1e-4)
    assert m["recall@10"] == 1.0 and m["recall@50"] == 1.0
    assert ndcg_at(["a", "b"], {"a"}) == 1.0


def test_cross_language_and_hard_negatives():
    runs = {"q1": ["hn", "zh1", "en1"], "q2": ["en2", "hn2", "zh2"]}
    qrels = {"q1": {"zh1", "en1"}, "q2": {"en2", "zh2"}}
    qlang = {"q1": "en", "q2": "en"}
    clang = {"zh1": "zh", "en1": "en", "en2": "en", "zh2": "zh", "hn": "en", "hn2": "en"}
    m = score_runs(runs, qrels, qlang, clang, {"q1": {"hn"}, "q2": {"hn2"}})
    assert m["hard_negative_wins"] == 0.5          # only q1's near-miss beats every relevant one
    # cross-language relevant: zh1 at rank 2 (ndcg 1/log2 3), zh2 at rank 3 (ndcg 1/log2 4 = 0.5)
    assert m["cross_language"]["ndcg@10"] == pytest.approx((1 / math.log2(3) + 0.5) / 2, abs=1e-4)
    assert m["cross_language"]["recall@10"] == 1.0


def _write_bench(d: Path) -> None:
    cands = [
        {"id": "c1", "name": "FloodEye", "lang": "en", "description": "Drone patrol of river levees with thermal "
         "cameras detects seepage, piping and cracks during floods.", "sectors": ["water"], "tags": [],
         "stage": "seed", "region": "Hubei", "city": "Wuhan", "country": "China", "founded_year": 2020,
         "funding_to_date_usd": None, "round_size_usd": None},
        {"id": "c2", "name": "BakeBot", "lang": "en", "description": "Robotic bread ovens for supermarket bakeries.",
         "sectors": ["retail"], "tags": [], "stage": "seed", "region": "Hubei", "city": "Wuhan", "country": "China",
         "founded_year": 2019, "funding_to_date_usd": None, "round_size_usd": None},
        {"id": "c3", "name": "LedgerLab", "lang": "en", "description": "Accounting software for small law firms.",
         "sectors": ["software"], "tags": [], "stage": "seed", "region": "Hubei", "city": "Wuhan",
         "country": "China", "founded_year": 2018, "funding_to_date_usd": None, "round_size_usd": None},
    ]
    queries = [{"id": "s1", "kind": "scenario", "lang": "en", "title": "Levee inspection during the flood season",
                "description": "We need drones that patrol river levees and detect seepage and piping early.",
                "owner": "Water bureau", "sector": "water", "region": "Jiangan", "budget_usd": 100000,
                "released": "2025-01-01"}]
    d.mkdir()
    (d / "candidates.jsonl").write_text("\n".join(json.dumps(c) for c in cands), encoding="utf-8")
    (d / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries), encoding="utf-8")
    (d / "qrels.tsv").write_text("s1\tc1\t1\n", encoding="utf-8")


def test_harness_on_tiny_benchmark(tmp_path):
    bench = tmp_path / "tiny"
    _write_bench(bench)
    res = evaluate(bench, workdir=tmp_path / "work", quiet=True)
    assert res["bench"] == "tiny" and res["queries"] == 1
    for m in ("matchmaker", "bm25", "tfidf"):
        assert res["methods"][m] == {"recall@10": 1.0, "recall@50": 1.0, "ndcg@10": 1.0, "mrr": 1.0}


def test_weights_come_from_the_file(tmp_path, monkeypatch):
    assert scoring.weights() == json.loads(scoring.WEIGHTS_FILE.read_text(encoding="utf-8"))
    parts = {"semantic": np.array([0.1, 0.5, 0.9]), "lexical": np.array([1.0, 0.0, 0.0])}
    w = dict(scoring.weights()["scenario_startup"], semantic=1.0, lexical=0.0)
    copy = dict(scoring.weights(), scenario_startup=w)
    f = tmp_path / "weights.json"
    f.write_text(json.dumps(copy), encoding="utf-8")
    monkeypatch.setattr(scoring, "WEIGHTS_FILE", f)
    scoring.weights.cache_clear()
    try:
        first = scoring.fuse(parts, scoring.weights()["scenario_startup"])
        copy["scenario_startup"] = dict(w, semantic=0.0, lexical=1.0)
        f.write_text(json.dumps(copy), encoding="utf-8")
        scoring.weights.cache_clear()
        second = scoring.fuse(parts, scoring.weights()["scenario_startup"])
    finally:
        monkeypatch.undo()
        scoring.weights.cache_clear()
    assert int(np.argmax(first)) == 2 and int(np.argmax(second)) == 0


@pytest.mark.skipif(not (SHARED / "wuhan_scenarios_dev").exists(),
                    reason="../shared/benchmarks/wuhan_scenarios_dev is not available")
def test_wuhan_targets(tmp_path):
    res = evaluate(SHARED / "wuhan_scenarios_dev", ["matchmaker"], workdir=tmp_path, quiet=True)
    m = res["methods"]["matchmaker"]
    assert m["ndcg@10"] >= 0.92
    assert m["cross_language"]["ndcg@10"] >= 0.70
    assert m["hard_negative_wins"] <= 0.15

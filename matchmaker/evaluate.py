"""Offline evaluation: load a benchmark into a throwaway app and rank the whole pool for every query
with the same engine that serves the site (recommend.rank_*), plus lexical baselines on the same texts."""
from __future__ import annotations

import json
import math
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

USD_CNY = 7.2
METHODS = ("matchmaker", "bm25", "tfidf")


# -- metrics ------------------------------------------------------------------------------------
def recall_at(ranked: list[str], rel: set[str], k: int) -> float:
    """Share of the relevant items in the first k."""
    return len(rel.intersection(ranked[:k])) / len(rel) if rel else 0.0


def ndcg_at(ranked: list[str], rel: set[str], k: int = 10) -> float:
    """NDCG@k with binary gains and log2 discounts."""
    if not rel:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 2) for i, c in enumerate(ranked[:k]) if c in rel)
    idcg = sum(1.0 / math.log2(i + 2) for i in range(min(len(rel), k)))
    return dcg / idcg


def rr(ranked: list[str], rel: set[str]) -> float:
    """Reciprocal rank of the first relevant item (0 when none is ranked)."""
    for i, c in enumerate(ranked):
        if c in rel:
            return 1.0 / (i + 1)
    return 0.0


def score_runs(runs: dict[str, list[str]], qrels: dict[str, set[str]], qlang: dict[str, str] | None = None,
               clang: dict[str, str] | None = None, hard: dict[str, set[str]] | None = None) -> dict:
    """Macro metrics over the queries that have relevant items; optional cross-language and hard-negative."""
    qs = [q for q in runs if qrels.get(q)]
    n = len(qs) or 1
    out = {"recall@10": sum(recall_at(runs[q], qrels[q], 10) for q in qs) / n,
           "recall@50": sum(recall_at(runs[q], qrels[q], 50) for q in qs) / n,
           "ndcg@10": sum(ndcg_at(runs[q], qrels[q], 10) for q in qs) / n,
           "mrr": sum(rr(runs[q], qrels[q]) for q in qs) / n}
    if qlang is not None and clang is not None and len(set(clang.values())) > 1:
        xs = [(q, {c for c in qrels[q] if clang.get(c) != qlang.get(q)}) for q in qs]
        xs = [(q, r) for q, r in xs if r]
        m = len(xs) or 1
        out["cross_language"] = {"recall@10": sum(recall_at(runs[q], r, 10) for q, r in xs) / m,
                                 "ndcg@10": sum(ndcg_at(runs[q], r, 10) for q, r in xs) / m}
    if hard:
        hq = [q for q in qs if hard.get(q)]
        wins = 0
        for q in hq:
            pos = {c: i for i, c in enumerate(runs[q])}
            big = len(runs[q]) + 1
            best_rel = min(pos.get(c, big) for c in qrels[q])
            best_hn = min(pos.get(c, big) for c in hard[q])
            wins += best_hn < best_rel
        out["hard_negative_wins"] = wins / (len(hq) or 1)
    return _round(out)


def _round(d):
    return {k: _round(v) if isinstance(v, dict) else round(float(v), 4) for k, v in d.items()}


# -- benchmark files -> our records ---------------------------------------------------------------
def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _cny(x):
    return None if x is None else float(x) * USD_CNY


def startup_record(c: dict) -> dict:
    """A benchmark candidate as an import row for a startup."""
    return {"external_id": c["id"], "name": c.get("name") or c["id"], "description": c.get("description") or "",
            "sectors": c.get("sectors") or [], "tags": c.get("tags") or [], "stage": c.get("stage") or "other",
            "region": c.get("region") or "", "city": c.get("city") or "", "country": c.get("country") or "",
            "founded_year": c.get("founded_year"), "funding_to_date_cny": _cny(c.get("funding_to_date_usd")),
            "raising_cny": _cny(c.get("round_size_usd")), "investors": c.get("investors_before") or [],
            "language": c.get("lang") or "en"}


def fund_record(q: dict) -> dict:
    """A benchmark fund query as an import row (inferred stages, ticket and regions are preferences)."""
    return {"external_id": q["id"], "name": q.get("name") or q["id"], "mandate": q.get("mandate") or "",
            "sectors": q.get("sectors") or [], "stages": q.get("stages") or [], "regions": q.get("regions") or [],
            "ticket_min_cny": _cny(q.get("ticket_min_usd")), "ticket_max_cny": _cny(q.get("ticket_max_usd")),
            "language": q.get("lang") or "en", "strict_filters": False,
            "portfolio": [{"company_name": p.get("name") or "?", "description": p.get("description") or "",
                           "sectors": p.get("sectors") or [], "stage": p.get("stage") or "other",
                           "round_size_cny": _cny(p.get("round_size_usd")), "region": p.get("region") or "",
                           "city": p.get("city") or "", "co_investors": p.get("investors_before") or []} for p in q.get("portfolio") or []]}


def scenario_record(q: dict) -> dict:
    """A benchmark scenario query as an import row."""
    budget = _cny(q.get("budget_usd"))
    return {"external_id": q["id"], "title": q.get("title") or q["id"], "problem": q.get("description") or "",
            "owner_org": q.get("owner") or "", "sector": q.get("sector") or "", "district": q.get("region") or "",
            "budget_min_cny": budget, "budget_max_cny": budget, "status": "open", "language": q.get("lang") or "en"}


def load_bench(bench: Path) -> dict:
    """Candidates, queries, qrels and (when present) hard negatives of a benchmark folder."""
    qrels: dict[str, set[str]] = {}
    for line in open(bench / "qrels.tsv", encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 2 and (len(parts) < 3 or parts[2].strip() not in ("0", "")):
            qrels.setdefault(parts[0], set()).add(parts[1])
    hard: dict[str, set[str]] = {}
    if (bench / "hard_negatives.tsv").exists():
        for line in open(bench / "hard_negatives.tsv", encoding="utf-8"):
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                hard.setdefault(parts[0], set()).add(parts[1])
    return {"name": bench.name, "candidates": _jsonl(bench / "candidates.jsonl"),
            "queries": _jsonl(bench / "queries.jsonl"), "qrels": qrels, "hard": hard}


# -- running ----------------------------------------------------------------------------------------
def _log(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def make_app(workdir: Path, extra: dict | None = None):
    """A throwaway app whose database and indexes live in workdir."""
    from matchmaker import create_app

    cfg = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'eval.sqlite'}",
           "MATCHMAKER_INDEX_DIR": str(workdir / "idx"), "WTF_CSRF_ENABLED": False,
           "MATCHMAKER_ENCODER_THREADS": 2}  # a batch job: both cores
    cfg.update(extra or {})
    return create_app(cfg)


def load_into_app(data: dict, quiet: bool = False) -> tuple[dict, dict]:
    """Import candidates and queries, build the indexes; return {external id: db id} per side."""
    from matchmaker.db import db
    from matchmaker.importers import import_records
    from matchmaker.matching import store
    from matchmaker.models import Fund, Scenario, Startup

    t = time.perf_counter()
    qkind = "fund" if data["queries"] and data["queries"][0].get("kind") == "fund" else "scenario"
    import_records("startup", [startup_record(c) for c in data["candidates"]])
    to_row = fund_record if qkind == "fund" else scenario_record
    import_records(qkind, [to_row(q) for q in data["queries"]])
    _log(f"[{data['name']}] imported {len(data['candidates'])} candidates, {len(data['queries'])} "
         f"{qkind} queries in {time.perf_counter() - t:.1f}s", quiet)
    for kind in ("startup", qkind):
        t = time.perf_counter()
        store.rebuild(kind)
        _log(f"[{data['name']}] {kind} index built in {time.perf_counter() - t:.1f}s", quiet)
    qmodel = Fund if qkind == "fund" else Scenario
    cand = dict(db.session.execute(db.select(Startup.external_id, Startup.id)).all())
    qs = dict(db.session.execute(db.select(qmodel.external_id, qmodel.id)).all())
    return cand, qs


def engine_rankings(data: dict, qids: dict, quiet: bool = False,
                    on_ranking: Callable | None = None) -> dict[str, list[str]]:
    """Rank the whole candidate pool for every query with the site's engine (recommend.rank_*)."""
    from matchmaker.db import db
    from matchmaker.matching import recommend
    from matchmaker.matching.pool import get_pool
    from matchmaker.models import Fund, Scenario

    sp = get_pool("startup")
    ext_of = _ext_ids(sp)
    runs = {}
    t0 = time.perf_counter()
    todo = [q for q in data["queries"] if q["id"] in data["qrels"]]
    for n, q in enumerate(todo, 1):
        if q.get("kind") == "fund":
            r = recommend.rank_startups_for_fund(db.session.get(Fund, qids[q["id"]]))
        else:
            r = recommend.rank_startups_for_scenario(db.session.get(Scenario, qids[q["id"]]))
        ranked = [ext_of[int(i)] for i in r.ids]
        seen = set(ranked)
        ranked += [ext_of[int(i)] for i in sp.ids if ext_of[int(i)] not in seen]  # filtered out: last
        runs[q["id"]] = ranked
        if on_ranking:
            on_ranking(q, r, ranked)
        if n % 50 == 0 or n == len(todo):
            _log(f"[{data['name']}] matchmaker ranked {n}/{len(todo)} queries "
                 f"({time.perf_counter() - t0:.1f}s)", quiet)
    return runs


def _ext_ids(sp) -> dict[int, str]:
    from matchmaker.db import db
    from matchmaker.models import Startup

    return {i: e for i, e in db.session.execute(db.select(Startup.id, Startup.external_id)).all()}


def lexical_rankings(data: dict, qids: dict, method: str) -> dict[str, list[str]]:
    """bm25 (matching.lexical.BM25) or tfidf (scikit-learn, same tokenizer, sublinear tf) over the
    engine's own profile texts."""
    from matchmaker.db import db
    from matchmaker.matching.lexical import tokenize
    from matchmaker.matching.pool import get_pool
    from matchmaker.matching.profiles import TEXT_OF
    from matchmaker.models import Fund, Scenario

    sp = get_pool("startup")
    ext_of = _ext_ids(sp)
    ext = [ext_of[int(i)] for i in sp.ids]
    if method == "tfidf":
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(tokenizer=tokenize, lowercase=False, sublinear_tf=True, token_pattern=None)
        mat = vec.fit_transform(sp.docs)
    runs = {}
    for q in data["queries"]:
        if q["id"] not in data["qrels"]:
            continue
        kind = "fund" if q.get("kind") == "fund" else "scenario"
        rec = db.session.get(Fund if kind == "fund" else Scenario, qids[q["id"]])
        text = TEXT_OF[kind](rec)
        if method == "bm25":
            s = sp.bm25.scores(text)
        else:
            s = (mat @ vec.transform([text]).T).toarray().ravel()
        order = np.argsort(-s, kind="stable")
        runs[q["id"]] = [ext[i] for i in order]
    return runs


def evaluate(bench: str | Path, methods: Iterable[str] = METHODS, workdir: str | Path | None = None,
             quiet: bool = False, on_ranking: Callable | None = None, app_config: dict | None = None) -> dict:
    """Run the benchmark in a throwaway app; return {"bench", "queries", "methods": {name: metrics}}."""
    bench = Path(bench)
    data = load_bench(bench)
    methods = list(methods)
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="mm-eval-")
        workdir = tmp.name
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    t_all = time.perf_counter()
    app = make_app(workdir, {"MATCHMAKER_ENCODER_THREADS": 2, **(app_config or {})})
    result: dict = {"bench": data["name"], "queries": 0, "methods": {}}
    try:
        with app.app_context():
            _, qids = load_into_app(data, quiet)
            qlang = {q["id"]: q.get("lang") for q in data["queries"]}
            clang = {c["id"]: c.get("lang") for c in data["candidates"]}
            for m in methods:
                t = time.perf_counter()
                if m == "matchmaker":
                    runs = engine_rankings(data, qids, quiet, on_ranking)
                elif m in ("bm25", "tfidf"):
                    runs = lexical_rankings(data, qids, m)
                else:
                    raise ValueError(f"unknown method {m!r}: choose from {', '.join(METHODS)}")
                result["queries"] = len(runs)
                result["methods"][m] = score_runs(runs, data["qrels"], qlang, clang, data["hard"])
                _log(f"[{data['name']}] {m}: {result['methods'][m]} ({time.perf_counter() - t:.1f}s)", quiet)
    finally:
        from matchmaker.db import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if tmp is not None:
            tmp.cleanup()
    result["seconds"] = round(time.perf_counter() - t_all, 1)
    return result

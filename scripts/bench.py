"""Performance benchmark: encoder throughput, corpus import, index and recommendation latency by size.

    python scripts/bench.py [--json] [--quick] [--write-doc] [--workdir DIR] [--fresh]

--quick measures the encoder ratio and the 100,000 tier only. --write-doc regenerates docs/performance.md
from this run. The database (with its embedding cache) lives in --workdir (default instance/bench) so a
second run re-imports the corpora from the cache; --fresh starts from an empty one.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
BENCHES = ROOT.parent / "shared" / "benchmarks"
STARTUP_CORPORA = ("itjuzi_cn_ai.jsonl", "yc_directory.jsonl", "sbir_firms.jsonl")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rss_mb() -> float:
    """Current resident memory of this process, MB."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(xs: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(xs) * 1e3, q)), 2) if xs else None


def jsonl(path: Path, limit: int | None = None) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
                if limit and len(out) >= limit:
                    break
    return out


class Bar:
    """A progress bar on stderr (tqdm), fed by importers' progress(stage, done, total) callbacks."""

    def __init__(self, label: str, total: int, quiet: bool = False):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=label, unit="rec", file=sys.stderr, disable=quiet, leave=True,
                        mininterval=1.0)

    def update_to(self, n: int) -> None:
        self.bar.update(max(0, n - self.bar.n))

    def close(self) -> None:
        self.bar.close()


def make_app(workdir: Path, **extra):
    from matchmaker import create_app

    cfg = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite'}",
           "MATCHMAKER_INDEX_DIR": str(workdir / "idx"), "WTF_CSRF_ENABLED": False,
           "MATCHMAKER_ENCODER_THREADS": 1, "TESTING": True}
    cfg.update(extra)
    return create_app(cfg)


# -- 1. encoder throughput ------------------------------------------------------------------------------
def profile_texts(n: int) -> list[str]:
    """~100-word English profiles from the YC directory."""
    out = []
    for r in jsonl(CORPORA / "yc_directory.jsonl"):
        words = (r.get("description") or "").split()
        if len(words) >= 90:
            out.append(" ".join(words[:100]))
            if len(out) >= n:
                break
    return out


def pipeline_rate(workdir: Path, texts: list[str], model: str | None) -> dict:
    """Profiles per second through import_records + store.rebuild (record -> text -> vector -> index)."""
    from matchmaker.db import db
    from matchmaker.importers import import_records
    from matchmaker.matching import store, vectors

    sub = workdir / f"pipe-{model or 'default'}"
    shutil.rmtree(sub, ignore_errors=True)
    sub.mkdir(parents=True)
    extra = {"MATCHMAKER_MODEL": model} if model else {}
    app = make_app(sub, **extra)
    with app.app_context():
        enc = vectors.encoder()
        enc.encode(["warm up the encoder"])
        rows = [{"external_id": f"bench:{i}", "name": f"Bench {i}", "description": t, "stage": "seed",
                 "language": "en"} for i, t in enumerate(texts)]
        before = vectors.STATS["encoded"]
        t0 = time.perf_counter()
        import_records("startup", rows)
        index = store.rebuild("startup")
        dt = time.perf_counter() - t0
        encoded = vectors.STATS["encoded"] - before
        ids, vecs = index.vectors()
        from matchmaker.matching.profiles import TEXT_OF
        from matchmaker.models import Startup

        recs = {r.id: r for r in db.session.execute(db.select(Startup)).scalars()}
        index_texts = [TEXT_OF["startup"](recs[int(i)]) for i in ids]
        out = {"model": enc.name, "backend": getattr(enc, "backend", "?"), "per_s": round(len(texts) / dt, 1),
               "seconds": round(dt, 2), "encoded": encoded, "_texts": index_texts, "_vecs": vecs}
        db.session.remove()
        db.engine.dispose()
    return out


def bench_encode(workdir: Path, n: int, threads: int) -> dict:
    """Plain torch MiniLM vs the project's import pipeline (default model) vs MiniLM on the fast backend."""
    from embeddings.encoder import MINILM, SentenceTransformerEncoder, packaged_minilm_path

    texts = profile_texts(n)
    log(f"[encode] {len(texts)} profiles of ~100 words; {threads} thread(s) for every encoder")
    torch_enc = SentenceTransformerEncoder(packaged_minilm_path(), name=MINILM, threads=threads)
    torch_enc.encode(texts[:8])
    t0 = time.perf_counter()
    torch_enc.encode(texts)
    torch_s = time.perf_counter() - t0
    torch_rate = len(texts) / torch_s
    log(f"[encode] torch fp32 MiniLM: {torch_rate:.1f}/s")
    torch2 = SentenceTransformerEncoder(packaged_minilm_path(), name=MINILM, threads=2)
    torch2.encode(texts[:8])
    t0 = time.perf_counter()
    torch2.encode(texts)
    torch2_rate = len(texts) / (time.perf_counter() - t0)
    import torch

    torch.set_num_threads(threads)  # set_num_threads is process-wide: back to the budget of the others
    log(f"[encode] torch fp32 MiniLM, 2 threads (for reference): {torch2_rate:.1f}/s")
    default = pipeline_rate(workdir, texts, None)
    log(f"[encode] pipeline, default model {default['model']} ({default['backend']}): {default['per_s']}/s")
    fast = pipeline_rate(workdir, texts, MINILM)
    ref = torch_enc.encode(fast["_texts"])
    cos = (ref * fast["_vecs"]).sum(axis=1)
    log(f"[encode] pipeline, MiniLM on {fast['backend']}: {fast['per_s']}/s, cosine to torch min {cos.min():.6f}")
    return {"profiles": len(texts), "threads": threads, "torch_per_s": round(torch_rate, 1),
            "torch_2threads_per_s": round(torch2_rate, 1),
            "pipeline_model": default["model"], "pipeline_backend": default["backend"],
            "pipeline_per_s": default["per_s"], "ratio": round(default["per_s"] / torch_rate, 2),
            "minilm_pipeline_backend": fast["backend"], "minilm_pipeline_per_s": fast["per_s"],
            "minilm_ratio": round(fast["per_s"] / torch_rate, 2),
            "cosine_min": round(float(cos.min()), 6), "cosine_mean": round(float(cos.mean()), 6)}


# -- 2. corpora and tiers -----------------------------------------------------------------------------------
def import_kind(kind: str, rows: list[dict], label: str, quiet: bool) -> dict:
    """import_records + encoding (through the cache, with a progress bar) + store.rebuild."""
    from matchmaker.db import db
    from matchmaker.importers import import_records
    from matchmaker.matching import store, vectors
    from matchmaker.matching.profiles import TEXT_OF
    from matchmaker.models import KINDS

    t0 = time.perf_counter()
    enc0 = vectors.STATS["encoded"]
    bar = Bar(f"{label}: write", len(rows), quiet)
    res = import_records(kind, rows, progress=lambda stage, done, total: bar.update_to(done)
                         if stage == "write" else None)
    bar.close()
    model = KINDS[kind]
    texts = []
    for i in range(0, len(res.ids), 500):
        chunk = res.ids[i:i + 500]
        texts += [TEXT_OF[kind](r) for r in db.session.execute(db.select(model).where(model.id.in_(chunk)))
                  .scalars()]
    bar = Bar(f"{label}: encode", len(texts), quiet)
    for i in range(0, len(texts), 128):
        vectors.embed(texts[i:i + 128])
        bar.update_to(min(i + 128, len(texts)))
    bar.close()
    store.rebuild(kind)
    return {"records": len(rows), "seconds": round(time.perf_counter() - t0, 1),
            "encoded": vectors.STATS["encoded"] - enc0}


def real_startup_rows(limit: int | None) -> list[dict]:
    from matchmaker.evaluate import startup_record

    rows = []
    for name in STARTUP_CORPORA:
        for c in jsonl(CORPORA / name):
            rows.append(startup_record(c))
            if limit and len(rows) >= limit:
                return rows
    return rows


def add_synthetic_startups(n_total: int, rng: np.random.Generator) -> int:
    """Grow the startup table to n_total with copies of real records (new ids, a suffixed name) whose
    vectors are their original's plus noise (cosine about 0.9), put straight into the embedding cache."""
    from sqlalchemy import insert

    from matchmaker.db import db
    from matchmaker.matching import store, vectors
    from matchmaker.matching.profiles import TEXT_OF
    from matchmaker.models import Startup

    real = store.records("startup")
    have = len(real)
    need = n_total - have
    if need <= 0:
        return 0
    enc = vectors.encoder()
    key = vectors.cache_key(enc)
    base = vectors.embed([TEXT_OF["startup"](r) for r in real])
    cols = [c.key for c in Startup.__table__.columns if c.key not in ("id", "created_at", "updated_at")]
    real_rows = [{c: getattr(r, c) for c in cols} for r in real]
    t0 = time.perf_counter()
    for start in range(0, need, 5000):
        m = min(5000, need - start)
        src = rng.integers(0, have, m)
        rows, cache = [], []
        noise = rng.normal(scale=0.45 / np.sqrt(enc.dim), size=(m, enc.dim)).astype(np.float32)
        vecs = base[src] + noise
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        for j, (s, v) in enumerate(zip(src, vecs)):
            row = dict(real_rows[int(s)])
            row["external_id"] = f"synth:{have + start + j}"
            row["name"] = f"{row['name']} · S{have + start + j}"
            rows.append(row)
            text = TEXT_OF["startup"](Startup(**row))  # transient: never added to the session
            cache.append({"model": key, "text_hash": vectors.text_hash(text), "vector": v.tobytes()})
        db.session.execute(insert(Startup), rows)
        vectors._insert_ignoring_duplicates(cache)
        db.session.commit()
    log(f"[tier] added {need} synthetic startups in {time.perf_counter() - t0:.1f}s")
    return need


def timed(fn, reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


SEARCHES = ["traffic signal timing optimisation with computer vision", "医疗影像 人工智能 辅助诊断",
            "battery management for electric vehicles", "satellite imagery analytics for agriculture",
            "fraud detection for retail banking", "robotic warehouse picking", "语音识别 客服机器人",
            "water quality sensors for municipal utilities", "drug discovery with machine learning",
            "cybersecurity threat detection for small businesses", "low-cost lidar for autonomous driving",
            "smart grid demand response", "教育 在线 自适应学习", "precision fertiliser drones",
            "hydrogen fuel cell stacks", "supply chain visibility platform for shippers"]


def measure_tier(n: int, scenarios: list, funds: list, reps: int, quiet: bool) -> dict:
    """Build the startup index and pool at this size, then time recommendations, search and raw vector search."""
    from matchmaker.matching import pool as pool_mod
    from matchmaker.matching import recommend, search, store, vectors

    gc.collect()
    m0 = rss_mb()
    t0 = time.perf_counter()
    index = store.rebuild("startup")
    t_index = time.perf_counter() - t0
    t0 = time.perf_counter()
    sp = pool_mod.get_pool("startup")
    t_pool = time.perf_counter() - t0
    out = {"startups": len(sp), "index_kind": index.kind, "index_build_s": round(t_index, 2),
           "pool_build_s": round(t_pool, 2), "rss_mb": round(rss_mb()), "rss_delta_mb": round(rss_mb() - m0)}
    log(f"[tier {n}] index ({index.kind}) {t_index:.1f}s, pool {t_pool:.1f}s, rss {out['rss_mb']} MB")
    # warm-up: every query once (encodes what the explanations need, through the cache)
    for sc in scenarios:
        recommend.startups_for_scenario.__wrapped__(sc)  # uncached: measure the work, not the memo
    for f in funds:
        recommend.startups_for_fund.__wrapped__(f)
    lat_sc = [t for sc in scenarios for t in timed(lambda sc=sc: recommend.startups_for_scenario.__wrapped__(sc), reps)]
    lat_f = [t for f in funds for t in timed(lambda f=f: recommend.startups_for_fund.__wrapped__(f), reps)]
    qs = [search.Query(text=t) for t in SEARCHES]
    search.search(qs[0])
    lat_q = [t for q in qs for t in timed(lambda q=q: search.search(q), 2)]
    qv = [vectors.embed([sc_text])[0] for sc_text in [recommend.TEXT_OF["scenario"](sc) for sc in scenarios]]
    lat_v = [t for v in qv for t in timed(lambda v=v: index.search(v, 10), max(reps, 5))]
    out["recall_at_10"] = recall_vs_flat(index, np.vstack(qv)) if index.kind != "flat" else 1.0
    both = lat_sc + lat_f
    out.update({"recommend_p50_ms": pct(both, 50), "recommend_p99_ms": pct(both, 99),
                "scenario_p50_ms": pct(lat_sc, 50), "scenario_p99_ms": pct(lat_sc, 99),
                "fund_p50_ms": pct(lat_f, 50), "fund_p99_ms": pct(lat_f, 99),
                "search_p50_ms": pct(lat_q, 50), "search_p99_ms": pct(lat_q, 99),
                "vector_p50_ms": pct(lat_v, 50), "vector_p99_ms": pct(lat_v, 99),
                "queries": {"scenario": len(scenarios), "fund": len(funds), "search": len(qs), "reps": reps}})
    log(f"[tier {n}] recommend p50/p99 {out['recommend_p50_ms']}/{out['recommend_p99_ms']} ms "
        f"(scenario {out['scenario_p99_ms']}, fund {out['fund_p99_ms']}); search p99 {out['search_p99_ms']} ms; "
        f"vector p99 {out['vector_p99_ms']} ms")
    return out


def recall_vs_flat(index, queries: np.ndarray) -> float:
    """recall@10 of an index against exact search over the same vectors."""
    import faiss

    ids, vecs = index.vectors()
    flat = faiss.IndexFlatIP(vecs.shape[1])
    flat.add(vecs)
    _, gt = flat.search(np.ascontiguousarray(queries, dtype=np.float32), 10)
    return round(float(np.mean([len({h.id for h in index.search(q, 10)} & set(ids[g].tolist())) / 10
                                for q, g in zip(queries, gt)])), 4)


def measure_vectors_only(n: int, base: np.ndarray, rng: np.random.Generator, n_queries: int = 200) -> dict:
    """The vector index alone at n synthetic vectors (real vectors plus noise): build, memory, latency, recall."""
    import faiss

    from embeddings import VectorIndex

    d = base.shape[1]
    gc.collect()
    m0 = rss_mb()
    vecs = np.empty((n, d), np.float32)
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        v = base[rng.integers(0, len(base), m)]
        v = v + rng.normal(scale=0.45 / np.sqrt(d), size=(m, d)).astype(np.float32)
        vecs[s:s + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    ids = np.arange(1, n + 1, dtype=np.int64)
    m1 = rss_mb()
    faiss.omp_set_num_threads(2)  # a batch build: both cores
    t0 = time.perf_counter()
    index = VectorIndex(d, "bench").build(ids, vecs)
    t_build = time.perf_counter() - t0
    faiss.omp_set_num_threads(1)
    m2 = rss_mb()
    q = base[rng.integers(0, len(base), n_queries)]
    q = q + rng.normal(scale=0.3 / np.sqrt(d), size=(n_queries, d)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    lat = [t for v in q for t in timed(lambda v=v, ix=index: ix.search(v, 10), 3)]
    flat = faiss.IndexFlatIP(d)
    flat.add(vecs)
    lat_flat = [t for v in q[:40] for t in timed(lambda v=v, fl=flat: fl.search(v[None, :], 10), 1)]
    _, gt = flat.search(q, 10)
    got = [[h.id - 1 for h in index.search(v, 10)] for v in q]
    recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, gt)]))
    del flat
    out = {"startups": n, "index_kind": index.kind, "index_build_s": round(t_build, 1),
           "vectors_mb": round(m1 - m0), "index_mb": round(m2 - m1), "vector_p50_ms": pct(lat, 50),
           "vector_p99_ms": pct(lat, 99), "recall_at_10": round(recall, 4),
           "flat_p50_ms": pct(lat_flat, 50), "flat_p99_ms": pct(lat_flat, 99),
           "recommend_p50_ms": None, "recommend_p99_ms": None, "search_p99_ms": None,
           "note": "vector index only (synthetic vectors); the database, pool and explanations are not built "
                   "at this size"}
    log(f"[tier {n}] {index.kind} build {t_build:.1f}s, +{out['index_mb']} MB, vector p50/p99 "
        f"{out['vector_p50_ms']}/{out['vector_p99_ms']} ms, recall@10 {recall:.4f}; exact flat p50/p99 "
        f"{out['flat_p50_ms']}/{out['flat_p99_ms']} ms")
    del index, vecs
    gc.collect()
    return out


def load_funds(n: int) -> list[dict]:
    from matchmaker.evaluate import fund_record

    return [fund_record(q) for q in jsonl(BENCHES / "crunchbase2013" / "queries.jsonl", n)]


def run(args) -> dict:
    import faiss

    from matchmaker.db import db
    from matchmaker.evaluate import scenario_record
    from matchmaker.matching import store, vectors
    from matchmaker.models import Fund, Scenario

    faiss.omp_set_num_threads(1)  # one thread each for the encoder and FAISS on 2 shared cores
    workdir = Path(args.workdir)
    if args.fresh:
        shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    t_all = time.perf_counter()
    res: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "loadavg_start": [round(x, 2) for x in os.getloadavg()]},
                 "mode": "quick" if args.quick else "full"}
    res["encode"] = bench_encode(workdir, 96 if args.quick else 160, threads=1)

    app = make_app(workdir)
    with app.app_context():
        res["model"] = vectors.encoder().name
        corpora: dict = {}
        real_limit = 5000 if args.quick else None
        if not args.quick:
            rows = real_startup_rows(10_000)
            corpora["startups (first 10,000)"] = import_kind("startup", rows, "startups 1-10,000", args.quiet)
        scen_rows = [scenario_record(q) for q in jsonl(CORPORA / "sbir_topics.jsonl",
                                                       300 if args.quick else None)]
        for r in scen_rows:  # a few topics exceed the importer's 20,000-character cell limit
            r["problem"] = r["problem"][:20_000]
        corpora["sbir_topics (scenarios)"] = import_kind("scenario", scen_rows, "sbir_topics", args.quiet)
        fund_rows = load_funds(20)
        corpora["funds (crunchbase2013 queries)"] = import_kind("fund", fund_rows, "funds", args.quiet)
        scenarios = list(db.session.execute(db.select(Scenario).order_by(Scenario.id).limit(
            10 if args.quick else 20)).scalars())
        funds = list(db.session.execute(db.select(Fund).order_by(Fund.id).limit(5 if args.quick else 10)).scalars())
        reps = 3
        res["tiers"] = {}
        if not args.quick:
            res["tiers"]["10000"] = measure_tier(10_000, scenarios, funds, reps, args.quiet)
        rows = real_startup_rows(real_limit)
        label = "startups (all real)" if not args.quick else "startups (first 5,000)"
        corpora[label] = import_kind("startup", rows, label, args.quiet)
        res["real_startups"] = len(rows)
        add_synthetic_startups(100_000, rng)
        res["tiers"]["100000"] = measure_tier(100_000, scenarios, funds, reps, args.quiet)
        res["corpora"] = corpora
        # re-import of an unchanged corpus: nothing may be encoded
        vectors._MEMO.clear()
        t0 = time.perf_counter()
        re = import_kind("startup", real_startup_rows(real_limit), "re-import (unchanged)", args.quiet)
        res["reimport_encoded"] = re["encoded"]
        res["reimport_records"] = re["records"]
        res["reimport_s"] = round(time.perf_counter() - t0, 1)
        log(f"[reimport] {re['records']} unchanged records: {re['encoded']} encoded, {res['reimport_s']}s")
        base = store.get_index("startup").vectors()[1][:20_000].copy()
        db.session.remove()
        db.engine.dispose()
    if not args.quick:
        res["tiers"]["1000000"] = measure_vectors_only(1_000_000, base, rng)
    res["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    res["seconds"] = round(time.perf_counter() - t_all, 1)
    return res


# -- 3. the doc ---------------------------------------------------------------------------------------------
def table(res: dict) -> str:
    e = res["encode"]
    lines = ["| measure | value |", "|---|---|",
             f"| plain torch encoder (sentence-transformers all-MiniLM-L6-v2, torch fp32, {e['threads']} thread) "
             f"| {e['torch_per_s']} profiles/s (with 2 threads: {e.get('torch_2threads_per_s')}/s) |",
             f"| import pipeline, default model ({e['pipeline_model']}, {e['pipeline_backend']}) "
             f"| {e['pipeline_per_s']} profiles/s = **{e['ratio']}×** torch |",
             f"| import pipeline, MATCHMAKER_MODEL=all-MiniLM-L6-v2 ({e['minilm_pipeline_backend']}) "
             f"| {e['minilm_pipeline_per_s']} profiles/s = {e['minilm_ratio']}× torch; cosine to torch min "
             f"{e['cosine_min']} (mean {e['cosine_mean']}) |"]
    for name, c in res.get("corpora", {}).items():
        lines.append(f"| import {name}: {c['records']:,} records (write + encode + index) "
                     f"| {c['seconds']} s, {c['encoded']:,} texts encoded |")
    lines.append(f"| re-import of {res['reimport_records']:,} unchanged startups | {res['reimport_s']} s, "
                 f"**{res['reimport_encoded']} texts encoded** |")
    out = "\n".join(lines) + "\n\n"
    out += ("| startups | index | index build | pool build | memory | recommend p50 / p99 (scenario p99, fund p99) "
            "| free-text search p50 / p99 | vector search p50 / p99 |\n|---|---|---|---|---|---|---|---|\n")
    for n, t in res["tiers"].items():
        if t.get("recommend_p99_ms") is None:
            out += (f"| {int(n):,} | {t['index_kind']} (recall@10 {t['recall_at_10']}) | {t['index_build_s']} s "
                    f"| — | vectors {t['vectors_mb']} MB + index {t['index_mb']} MB | not measured (index only) "
                    f"| — | {t['vector_p50_ms']} / **{t['vector_p99_ms']}** ms (exact flat: {t['flat_p50_ms']} / "
                    f"{t['flat_p99_ms']} ms) |\n")
        else:
            kind = t["index_kind"] + (f" (recall@10 {t['recall_at_10']})" if t["index_kind"] != "flat" else "")
            out += (f"| {int(n):,} | {kind} | {t['index_build_s']} s | {t['pool_build_s']} s "
                    f"| RSS {t['rss_mb']} MB | {t['recommend_p50_ms']} / **{t['recommend_p99_ms']}** ms "
                    f"({t['scenario_p99_ms']}, {t['fund_p99_ms']}) "
                    f"| {t['search_p50_ms']} / **{t['search_p99_ms']}** ms "
                    f"| {t['vector_p50_ms']} / **{t['vector_p99_ms']}** ms |\n")
    m = res["machine"]
    out += (f"\n{m['cpus']} CPUs, Python {m['python']}; load average at start {m['loadavg_start']}, at end "
            f"{m['loadavg_end']} (other sessions share this machine); whole run {res['seconds']} s ({res['mode']}).\n")
    return out


def write_doc(res: dict) -> None:
    doc = ROOT / "docs" / "performance.md"
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    block = f"{start}\n{table(res)}{end}"
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text + "\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")
    (ROOT / "docs" / "performance.json").write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--quick", action="store_true", help="encoder ratio and the 100,000 tier only")
    ap.add_argument("--write-doc", action="store_true", help="rewrite the table in docs/performance.md")
    ap.add_argument("--workdir", default=str(ROOT / "instance" / "bench"))
    ap.add_argument("--fresh", action="store_true", help="start from an empty database and embedding cache")
    ap.add_argument("--quiet", action="store_true", help="no progress bars")
    args = ap.parse_args()
    res = run(args)
    if args.write_doc:
        write_doc(res)
    if args.json:
        print(json.dumps(res, ensure_ascii=False))
    else:
        print(table(res))


if __name__ == "__main__":
    main()

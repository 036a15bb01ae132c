"""Crash safety of the FAISS indexes: SIGKILL mid-rebuild, torn writes, a model change, concurrent upserts.

The subprocesses run a small script (WORKER) with create_app on the test's copy of the demo.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from embeddings import VectorIndex, fingerprint
from matchmaker.db import db
from matchmaker.matching import store

ROOT = Path(__file__).resolve().parents[1]
WORKER = r'''
import json, logging, os, sys, time
from matchmaker import create_app
from matchmaker.db import db
from matchmaker.matching import recommend, store, vectors
from matchmaker.matching.profiles import TEXT_OF
from matchmaker.models import KINDS, Scenario, Startup
from embeddings import VectorIndex

uri, idx, mode, *args = sys.argv[1:]
app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "MATCHMAKER_INDEX_DIR": idx, "TESTING": True})
rebuilt = []
logging.getLogger("matchmaker.matching.store").addHandler(type("H", (logging.Handler,), {
    "emit": lambda self, rec: rebuilt.append(rec.args[0])})())


def startups():
    return list(db.session.execute(db.select(Startup).order_by(Startup.id)).scalars())


def saved_state(kind):
    """What the index file on disk holds, compared with the database, without repairing anything."""
    index = VectorIndex.load(store.index_path(kind))
    recs = store.records(kind)
    want = vectors.embed([TEXT_OF[kind](r) for r in recs])
    got = [index.vector(r.id) for r in recs]
    exact = [g is not None and float(np.abs(g - w).max()) < 1e-6 for g, w in zip(got, want)]
    return {"model": index.model, "dim": index.dim, "count": len(index), "records": len(recs),
            "fingerprint_ok": index.fingerprint == store.db_fingerprint(kind),
            "stale_ids": [r.id for r, ok in zip(recs, exact) if not ok]}


import numpy as np  # noqa: E402

with app.app_context():
    if mode == "rebuild-forever":
        st = startups()[0]
        base = st.description
        store.get_index("startup")
        print("ready", flush=True)
        i = 0
        while True:  # change the database, then rebuild: a kill lands anywhere in between
            i += 1
            st.description = f"{base} Revision {i}: now also supports {['drones', 'ports', 'clinics'][i % 3]}."
            db.session.commit()
            store.rebuild("startup")
    elif mode == "upsert":
        which, go, rounds = int(args[0]), args[1], int(args[2])
        mine, other = startups()[which], startups()[1 - which]
        base = mine.description
        store.get_index("startup")  # this process now holds a cached copy of the index
        print("ready", flush=True)
        for r in range(rounds):
            while not os.path.exists(f"{go}.{r}"):
                time.sleep(0.0005)
            mine.description = f"{base} Update {r} from process {which}: {os.urandom(4).hex()}."
            db.session.commit()
            store.upsert("startup", mine)
            print(f"done {r}", flush=True)
        while not os.path.exists(f"{go}.end"):
            time.sleep(0.001)
        db.session.expire_all()
        index = store.get_index("startup")  # must pick up the other process's saves
        want = vectors.embed([TEXT_OF["startup"](other)])[0]
        print(json.dumps({"sees_other": float(np.abs(index.vector(other.id) - want).max()) < 1e-6}), flush=True)
    elif mode == "check":
        out = {}
        for kind in KINDS:
            index = store.get_index(kind)  # loads, or detects a stale/corrupt index and rebuilds
            out[kind] = saved_state(kind) | {"served_model": index.model, "configured": vectors.model_name()}
        sc = next(s for s in db.session.execute(db.select(Scenario)).scalars() if s.is_open())
        out["recommend"] = [m.id for m in recommend.startups_for_scenario(sc, top=5)]
        out["rebuilt"] = rebuilt
        out["tmp_files"] = [p for p in os.listdir(idx) if p.endswith(".tmp")]
        print(json.dumps(out), flush=True)
    elif mode == "saved":
        print(json.dumps(saved_state(args[0])), flush=True)
'''


@pytest.fixture
def worker(app, tmp_path):
    """Run the worker script against this test's database and index folder."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    base = [sys.executable, str(script), app.config["SQLALCHEMY_DATABASE_URI"], app.config["MATCHMAKER_INDEX_DIR"]]
    db.session.remove()  # hold no connection while the subprocesses write

    def start(*args) -> subprocess.Popen:
        return subprocess.Popen(base + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env, cwd=ROOT)

    def run(*args) -> dict:
        p = subprocess.run(base + list(args), capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
        assert p.returncode == 0, p.stderr[-3000:]
        return json.loads(p.stdout.strip().splitlines()[-1])

    start.run = run
    return start


def _assert_consistent(out: dict) -> None:
    for kind in ("startup", "scenario", "fund"):
        s = out[kind]
        assert s["fingerprint_ok"] and not s["stale_ids"], (kind, s)
        assert s["count"] == s["records"] and s["model"] == s["configured"] == s["served_model"], (kind, s)
    assert out["recommend"], "no recommendations after recovery"
    assert not out["tmp_files"], out["tmp_files"]


def test_sigkill_at_random_points_of_a_rebuild_leaves_a_usable_index(worker):
    seed = random.randrange(1 << 30)
    rng, repaired = random.Random(seed), 0
    for run in range(5):
        p = worker("rebuild-forever")
        assert p.stdout.readline().strip() == "ready", p.stderr.read()[-3000:]
        time.sleep(rng.uniform(0.0, 0.6))
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        assert p.returncode == -signal.SIGKILL, f"run {run} (seed {seed}) ended before the kill"
        out = worker.run("check")  # a fresh process
        _assert_consistent(out)
        repaired += "startup" in out["rebuilt"]
    print(f"seed {seed}: {repaired} of 5 kills left a stale or torn index that the next process rebuilt")


def test_torn_and_corrupt_index_files_are_detected_and_rebuilt(app):
    path = store.index_path("startup")
    good = path.read_bytes()
    other = VectorIndex.load(path)
    other.remove(other.ids()[:3].tolist())
    blob = __import__("faiss").serialize_index(other._index).tobytes()
    for damage in (lambda: path.write_bytes(blob),  # killed between the index rename and the sidecar rename
                   lambda: path.write_bytes(good[: len(good) // 2]),  # truncated
                   lambda: path.write_bytes(b""),
                   lambda: store.index_path("startup").with_name("startup.faiss.json").unlink()):
        damage()
        (path.parent / "startup.faiss.abc123.tmp").write_bytes(b"half a write")  # a killed writer's temp file
        store._CACHE.clear()  # as a new process would start
        index = store.get_index("startup")
        assert index.fingerprint == store.db_fingerprint("startup") and len(index) == len(store.records("startup"))
        assert VectorIndex.load(path).fingerprint == index.fingerprint
        assert not list(path.parent.glob("*.tmp"))


def test_index_built_by_another_model_is_rebuilt_at_startup(app, worker):
    """An index written with all-MiniLM-L6-v2 (384-d) is replaced when the app is configured otherwise."""
    recs = store.records("scenario")
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(len(recs), 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1)[:, None]
    fake = VectorIndex(384, "all-MiniLM-L6-v2").build([r.id for r in recs], vecs)
    from matchmaker.matching.profiles import TEXT_OF

    fake.fingerprint = fingerprint(((r.id, TEXT_OF["scenario"](r)) for r in recs), "all-MiniLM-L6-v2")
    fake.save(store.index_path("scenario"))
    out = worker.run("check")
    assert "scenario" in out["rebuilt"] and out["scenario"]["dim"] != 384
    _assert_consistent(out)


def test_two_processes_upserting_at_the_same_moment_lose_no_update(worker, tmp_path):
    go, rounds = tmp_path / "go", 4
    procs = [worker("upsert", str(i), str(go), str(rounds)) for i in (0, 1)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()[-3000:]
    for r in range(rounds):
        Path(f"{go}.{r}").touch()  # both start their edit and upsert at once
        for p in procs:
            line = p.stdout.readline().strip()
            assert line == f"done {r}", (line, p.stderr.read()[-3000:] if not line else "")
    Path(f"{go}.end").touch()
    for p in procs:  # each process sees the other's last update through its own cached index
        assert json.loads(p.stdout.readline())["sees_other"]
        assert p.wait(timeout=30) == 0
    saved = worker.run("saved", "startup")
    assert saved["fingerprint_ok"] and saved["stale_ids"] == [], saved

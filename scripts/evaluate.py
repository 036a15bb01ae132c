"""Evaluate the matching engine on a benchmark folder: python scripts/evaluate.py --bench DIR [--json]."""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matchmaker.evaluate import METHODS, evaluate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bench", required=True, help="benchmark folder (candidates.jsonl, queries.jsonl, qrels.tsv)")
    ap.add_argument("--method", action="append", choices=METHODS, help="repeatable; default: all")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--workdir", help="keep the database (and its embedding cache) here for fast re-runs")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    a = ap.parse_args()
    res = evaluate(a.bench, a.method or METHODS, workdir=a.workdir, quiet=a.quiet)
    if a.json:
        print(json.dumps({k: res[k] for k in ("bench", "queries", "methods")}, ensure_ascii=False))
        return
    print(f"{res['bench']}: {res['queries']} queries, {res['seconds']}s")
    for m, v in res["methods"].items():
        flat = ", ".join(f"{k} {x}" for k, x in v.items() if not isinstance(x, dict))
        extra = "".join(f"; {k}: {x}" for k, x in v.items() if isinstance(x, dict))
        print(f"  {m:11s} {flat}{extra}")


if __name__ == "__main__":
    main()

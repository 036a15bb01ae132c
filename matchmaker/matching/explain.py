"""Why a match: evidence per requirement, shared terms, and the reasons shown beside every result."""
from __future__ import annotations

import numpy as np

from matchmaker.matching import vectors
from matchmaker.matching.lexical import BM25, tokenize
from matchmaker.matching.scoring import weights


def evidence(statements: list[str], support: list[str]) -> list[dict]:
    """For each statement, the best supporting sentence and its similarity (None when not evidenced)."""
    if not statements:
        return []
    if not support:
        return [{"requirement": s, "support": None, "score": 0.0} for s in statements]
    sims = evidence_matrix(statements, support)
    floor = float(weights().get("evidence_min", 0.35))
    out = []
    for i, stmt in enumerate(statements):
        j = int(sims[i].argmax())
        score = float(sims[i, j])
        out.append({"requirement": stmt, "support": support[j] if score >= floor else None,
                    "score": round(score, 3)})
    return out


def evidence_matrix(statements: list[str], support: list[str]) -> np.ndarray:
    """Cosine of every statement against every supporting sentence."""
    a = vectors.embed(statements)
    b = vectors.embed(support)
    return a @ b.T


def evidence_score(statements: list[str], support: list[str]) -> float:
    """How well the statements are supported: mean of each statement's best sentence similarity."""
    if not statements or not support:
        return 0.0
    return float(evidence_matrix(statements, support).max(axis=1).mean())


def shared_terms(bm25: BM25, query: str, doc: str, limit: int = 6) -> list[str]:
    """Terms the two texts share, rarest first (what the lexical channel matched on)."""
    q = set(tokenize(query))
    common = [t for t in dict.fromkeys(tokenize(doc)) if t in q and t in bm25.vocab and len(t) > 1]
    common.sort(key=lambda t: -bm25.idf[bm25.vocab[t]])
    return common[:limit]


def strength(sim: float) -> str:
    """A word for a cosine similarity under the multilingual model."""
    return "strong" if sim >= 0.5 else "moderate" if sim >= 0.3 else "weak"

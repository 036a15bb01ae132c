"""The lexical channel: a Chinese-aware tokenizer and Okapi BM25 over a sparse matrix."""
from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Sequence

import numpy as np
from scipy import sparse

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+(?:[\-\+\.][a-z0-9]+)*\+?")
_EN_STOP = frozenset("""a an and are as at be by for from has have in into is it its of on or our that the
their this to was we which with will can who us all any than also more most such other""".split())
_ZH_STOP = frozenset("的 了 和 与 及 或 等 在 为 是 对 由 将 把 被 以 并 其 中 上 下 个 有 可 能 也 就 都 而 于 之 我们 公司 提供".split())
_jieba = None


def _cut(run: str) -> list[str]:
    """Segment a run of Chinese characters with jieba (search mode: words and their parts)."""
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba = jieba
    return _jieba.lcut_for_search(run)


def tokenize(text: str) -> list[str]:
    """Lower-cased English words and jieba-segmented Chinese words, stopwords removed."""
    text = (text or "").lower()
    out: list[str] = []
    pos = 0
    for m in _CJK_RUN.finditer(text):
        out += [w for w in _WORD.findall(text[pos:m.start()]) if w not in _EN_STOP]
        out += [w for w in _cut(m.group()) if w.strip() and w not in _ZH_STOP]
        pos = m.end()
    out += [w for w in _WORD.findall(text[pos:]) if w not in _EN_STOP]
    return out


class BM25:
    """Okapi BM25 (k1=1.5, b=0.75) with precomputed document weights; one sparse product per query."""

    def __init__(self, docs: Sequence[str], k1: float = 1.5, b: float = 0.75):
        self.vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        lengths = np.zeros(len(docs), dtype=np.float32)
        for i, doc in enumerate(docs):
            counts = Counter(tokenize(doc))
            lengths[i] = sum(counts.values())
            for tok, c in counts.items():
                j = self.vocab.setdefault(tok, len(self.vocab))
                rows.append(i)
                cols.append(j)
                vals.append(c)
        n, v = len(docs), max(len(self.vocab), 1)
        tf = sparse.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=(n, v))
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=v).astype(np.float32)
        self.idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        avgdl = float(lengths.mean()) if n and lengths.mean() > 0 else 1.0
        norm = k1 * (1 - b + b * lengths / avgdl)
        tf = tf.tocoo()
        w = tf.data * (k1 + 1) / (tf.data + norm[tf.row]) * self.idf[tf.col]
        self.weights = sparse.csr_matrix((w.astype(np.float32), (tf.row, tf.col)), shape=(n, v))
        # TF-IDF beside BM25 (sublinear tf, smooth idf, unit rows): cosine normalises away the length
        # of long queries such as a fund's whole portfolio.
        self.tfidf_idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        t = (1.0 + np.log(tf.data)) * self.tfidf_idf[tf.col]
        tfidf = sparse.csr_matrix((t.astype(np.float32), (tf.row, tf.col)), shape=(n, v))
        row_norm = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1)).ravel())
        row_norm[row_norm == 0] = 1.0
        self.tfidf = sparse.diags(1.0 / row_norm) @ tfidf
        self.n = n

    def query_vector(self, text: str) -> sparse.csr_matrix:
        """The query's term counts over this vocabulary (unknown terms dropped)."""
        counts = Counter(t for t in tokenize(text) if t in self.vocab)
        if not counts:
            return sparse.csr_matrix((len(self.vocab) or 1, 1), dtype=np.float32)
        idx = [self.vocab[t] for t in counts]
        return sparse.csr_matrix((np.ones(len(idx), np.float32), (idx, [0] * len(idx))),
                                 shape=(max(len(self.vocab), 1), 1))

    def cosine(self, text: str) -> np.ndarray:
        """TF-IDF cosine of every document with the query text."""
        counts = Counter(t for t in tokenize(text) if t in self.vocab)
        if self.n == 0 or not counts:
            return np.zeros(self.n, np.float32)
        idx = np.array([self.vocab[t] for t in counts])
        val = (1.0 + np.log(np.array(list(counts.values()), np.float32))) * self.tfidf_idf[idx]
        val /= np.linalg.norm(val)
        q = sparse.csr_matrix((val, (idx, np.zeros(len(idx), int))), shape=(len(self.vocab), 1))
        return (self.tfidf @ q).toarray().ravel().astype(np.float32)

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every document for the query text."""
        if self.n == 0:
            return np.zeros(0, np.float32)
        return (self.weights @ self.query_vector(text)).toarray().ravel().astype(np.float32)

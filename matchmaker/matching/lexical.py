"""The lexical channel: a Chinese-aware tokenizer and Okapi BM25 over a sparse matrix."""
from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence

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


def _rows_descending(m: sparse.csr_matrix) -> bool | None:
    """True when every row stores its columns in descending order, False when ascending, else None."""
    d = np.diff(m.indices)
    inner = np.ones(len(d), dtype=bool)
    cut = m.indptr[1:-1] - 1  # pairs that straddle two rows
    inner[cut[(cut >= 0) & (cut < len(d))]] = False
    if not inner.any() or (d[inner] > 0).all():
        return False
    if (d[inner] < 0).all():
        return True
    return None


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
        # Column-major copies: a query touches only its own terms' postings instead of every stored weight.
        # Adding the postings column by column in each row's storage order repeats the float32 sums of the
        # row-major product exactly: BM25 rows are stored by ascending column, and the TF-IDF rows (the
        # output of a sparse product) by descending column.
        self._weights_csc = self.weights.tocsc()
        self._tfidf_csc = self.tfidf.tocsc()
        self._tfidf_descending = _rows_descending(self.tfidf)

    @staticmethod
    def _postings_sum(csc: sparse.csc_matrix, cols: np.ndarray, vals: np.ndarray | None, n: int,
                      descending: bool = False) -> np.ndarray:
        """sum_j csc[:, j] * vals[j] over the query columns, in float32, column by column."""
        postings = int((csc.indptr[cols + 1] - csc.indptr[cols]).sum()) if len(cols) else 0
        if len(cols) > 256 or postings > csc.nnz // 3:
            return None  # a long query (a whole portfolio): one pass over the row-major matrix is cheaper
        out = np.zeros(n, np.float32)
        order = np.argsort(-cols if descending else cols, kind="stable")
        for k in order:
            j = cols[k]
            a, b = csc.indptr[j], csc.indptr[j + 1]
            if a == b:
                continue
            data = csc.data[a:b] if vals is None else csc.data[a:b] * vals[k]
            out[csc.indices[a:b]] += data
        return out

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
        if self._tfidf_descending is None:  # neither order: the row-major product itself
            q = sparse.csr_matrix((val, (idx, np.zeros(len(idx), int))), shape=(len(self.vocab), 1))
            return (self.tfidf @ q).toarray().ravel().astype(np.float32)
        out = self._postings_sum(self._tfidf_csc, idx, val.astype(np.float32), self.n, self._tfidf_descending)
        if out is None:  # row-major product with a dense query: same float32 sums in the same order
            q = np.zeros(self.tfidf.shape[1], np.float32)
            q[idx] = val
            out = np.asarray(self.tfidf @ q, dtype=np.float32).ravel()
        return out

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every document for the query text."""
        if self.n == 0:
            return np.zeros(0, np.float32)
        if not self.weights.has_sorted_indices:
            return (self.weights @ self.query_vector(text)).toarray().ravel().astype(np.float32)
        cols = np.array(sorted({self.vocab[t] for t in tokenize(text) if t in self.vocab}), dtype=np.int64)
        out = self._postings_sum(self._weights_csc, cols, None, self.n)
        if out is None:
            q = np.zeros(self.weights.shape[1], np.float32)
            q[cols] = 1.0
            out = np.asarray(self.weights @ q, dtype=np.float32).ravel()
        return out

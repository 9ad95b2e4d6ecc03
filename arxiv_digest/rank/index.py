"""The day's words and where they stand: SQLite FTS5 (part of Python's sqlite3, no model to
download) tokenizes and Porter-stems title and abstract, and its fts5vocab table hands back
each word's positions, so proximity and BM25 are computed over exactly the words FTS5 saw.

The same text is indexed a second time unstemmed (Elasticsearch's "mixing exact search with
stemming"): Porter gives "conversation" and "conversion" one stem, so the index can also say
where a paper wrote the word itself or a spelling of it, rather than another word that only
shares its stem."""

from __future__ import annotations

import functools
import math
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

TITLE, ABSTRACT = 0, 1
TITLE_WEIGHT = 3.0  # a word in the title counts as three in the abstract
K1, B = 1.2, 0.75  # BM25's usual term-frequency saturation and length normalisation


@functools.cache  # asked once: the answer is the interpreter's
def fts5_available() -> bool:
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    except sqlite3.OperationalError:
        return False
    return True


@dataclass(frozen=True)
class Hit:
    """One word of a query in one paper: its positions per field."""

    title: tuple[int, ...]
    abstract: tuple[int, ...]


class Index:
    """Rows 1..size are the day's papers (scored first, then the background) and count for how
    rare a word is; rows after them (seed papers) are searchable but not counted."""

    def __init__(self, rows: Sequence[tuple[str, str]], size: int) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.executescript(
            "CREATE VIRTUAL TABLE doc USING fts5(title, abstract, tokenize='porter unicode61');"
            "CREATE VIRTUAL TABLE doc_words USING fts5vocab(doc, instance);"
            "CREATE VIRTUAL TABLE doc_row USING fts5vocab(doc, row);"
            "CREATE VIRTUAL TABLE q USING fts5(text, tokenize='porter unicode61');"
            "CREATE VIRTUAL TABLE q_words USING fts5vocab(q, instance);"
            # the words as written; contentless: only the positions are kept
            "CREATE VIRTUAL TABLE raw USING fts5(title, abstract, tokenize='unicode61',"
            " content='');"
            "CREATE VIRTUAL TABLE raw_words USING fts5vocab(raw, instance);"
            "CREATE VIRTUAL TABLE raw_terms USING fts5vocab(raw, row);"
        )
        numbered = [(i + 1, title, abstract) for i, (title, abstract) in enumerate(rows)]
        self.db.executemany("INSERT INTO doc (rowid, title, abstract) VALUES (?, ?, ?)", numbered)
        self.db.executemany("INSERT INTO raw (rowid, title, abstract) VALUES (?, ?, ?)", numbered)
        self.size = size
        # words per field, as str.split counts them: close enough for length normalisation
        self.lengths = [(len(t.split()), len(a.split())) for t, a in rows]
        counted = self.lengths[:size] or [(1, 1)]
        self.average = (
            max(1.0, sum(t for t, _ in counted) / len(counted)),
            max(1.0, sum(a for _, a in counted) / len(counted)),
        )
        self._hits: dict[str, dict[int, Hit]] = {}
        self._family: dict[str, dict[int, Hit]] = {}
        self._stems: dict[str, tuple[str, ...]] = {}
        self._rows = rows
        self._df: dict[str, int] | None = None

    def text(self, rowid: int) -> tuple[str, str]:
        return self._rows[rowid - 1]

    def df(self, term: str) -> int:
        """Rows that have the word (seed rows too: for choosing feedback words, not BM25)."""
        if self._df is None:
            query = "SELECT term, doc FROM doc_row"
            self._df = {str(t): int(n) for t, n in self.db.execute(query)}
        return self._df.get(term, 0)

    def close(self) -> None:
        self.db.close()

    def stems(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text's words as the index has them (stemmed, lower case), in order; one
        round trip for them all."""
        self.db.executemany("INSERT INTO q (rowid, text) VALUES (?, ?)", enumerate(texts, 1))
        found: list[list[str]] = [[] for _ in texts]
        for rowid, term in self.db.execute("SELECT doc, term FROM q_words ORDER BY doc, offset"):
            found[rowid - 1].append(str(term))
        self.db.execute("DELETE FROM q")
        return found

    def stem(self, words: Sequence[str]) -> tuple[str, ...]:
        """The stems of words (each remembered, so a phrase's forms cost one round trip)."""
        new = [w for w in dict.fromkeys(words) if w not in self._stems]
        if new:
            self._stems.update(zip(new, map(tuple, self.stems(new)), strict=True))
        return tuple(term for w in words for term in self._stems[w])

    def hits(self, term: str) -> dict[int, Hit]:
        """Papers (rowid) that have the stemmed word, with its positions."""
        found = self._hits.get(term)
        if found is None:
            places: dict[int, tuple[list[int], list[int]]] = {}
            query = "SELECT doc, col, offset FROM doc_words WHERE term = ?"
            for rowid, column, offset in self.db.execute(query, (term,)):
                places.setdefault(rowid, ([], []))[column != "title"].append(offset)
            found = {r: Hit(tuple(t), tuple(a)) for r, (t, a) in places.items()}
            self._hits[term] = found
        return found

    def family(self, word: str) -> dict[int, Hit]:
        """Papers that write the word itself or a spelling that extends it or that it extends
        (code, codes, coding; generate, generated, generation), with its positions: a subset of
        what hits() gives for its stem, without the stem's other words ("general" is no
        "generation", "conversation" no "conversion")."""
        plain = _plain(word)
        found = self._family.get(plain)
        if found is None:
            found = {}
            stem = self.stem([plain])
            start = _common(_root(plain), stem[0]) if len(stem) == 1 else plain
            if start:
                query = "SELECT term FROM raw_terms WHERE term >= ? AND term < ?"
                after = start[:-1] + chr(ord(start[-1]) + 1)
                spelled = [str(t) for (t,) in self.db.execute(query, (start, after))]
                self.stem(spelled)  # one round trip
                kin = [w for w in spelled if self.stem([w]) == stem and related(w, plain)]
                marks = ", ".join("?" * len(kin))
                query = f"SELECT doc, col, offset FROM raw_words WHERE term IN ({marks})"
                places: dict[int, tuple[list[int], list[int]]] = {}
                for rowid, column, offset in self.db.execute(query, kin) if kin else ():
                    places.setdefault(rowid, ([], []))[column != "title"].append(offset)
                found = {r: Hit(tuple(t), tuple(a)) for r, (t, a) in places.items()}
            self._family[plain] = found
        return found

    def idf(self, term: str) -> float:
        """Lucene's BM25 idf: never negative, so a word in most papers still counts a little."""
        df = sum(1 for rowid in self.hits(term) if rowid <= self.size)
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def weight(self, rowid: int, title: int, abstract: int) -> float:
        """BM25F's saturated frequency of a word seen title/abstract times in paper rowid."""
        title_len, abstract_len = self.lengths[rowid - 1]
        tf = TITLE_WEIGHT * title / (1 - B + B * title_len / self.average[0])
        tf += abstract / (1 - B + B * abstract_len / self.average[1])
        return tf / (K1 + tf)


IDEAL = (TITLE_WEIGHT + 2) / (K1 + TITLE_WEIGHT + 2)  # once in the title, twice in the abstract


def related(word: str, other: str) -> bool:
    """One spelling extends the other once the plural and a verb ending are off: coding and
    code, generated and generation; not conversation and conversion, which only share a stem."""
    a, b = _root(word), _root(other)
    return a.startswith(b) or b.startswith(a)


def _root(word: str) -> str:
    word = singular(word)
    for ending in ("ing", "ed", "e"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _common(a: str, b: str) -> str:
    """The longest common prefix (Porter may rewrite a stem's end: study → studi)."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def singular(word: str) -> str:
    """Harman's S-stemmer (1991): only the plural comes off, so "conversions" is "conversion"
    but "conversation" stays itself."""
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


def _plain(word: str) -> str:
    """As FTS5's unicode61 writes a word: lower case, without diacritics."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))

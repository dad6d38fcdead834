"""Swedish text analysis for the legal search: tokens, stems, compounds, snippets.

Pure module: standard library and snowballstemmer only.  The same functions
prepare the text that is indexed (SQLite FTS5 stores their output; PostgreSQL
indexes the raw text with its ``swedish`` configuration, which runs the same
Snowball stemmer and the same stop words) and the words of a query, so both
engines see the same terms.

Three things go beyond a plain Snowball stem, because Swedish legal text needs
them and Snowball alone does not give them:

* **Conflation of inflections Snowball leaves apart.**  Snowball stems
  "fotboja" to "fotboj" but "fotbojan" to "fotbojan", and "förvar" to "förv" but
  "förvaret" to "förvar".  Over the whole corpus, a stem that is another stem
  plus an inflectional ending ("an", "ar", "en", "et", "n", "na", "a") is given
  that shorter stem as its *root* (roots are at least four letters, so "barn" is
  not taken for "bar" + "n").
* **Compound words by their parts.**  A word that is two corpus words joined,
  with or without the linking "s" ("handräcknings|ärenden",
  "förbuds|området"), is also indexed and searched by its parts.
* **Numbers and number words.**  "15" and "femton" are the same term.

Snippets are cut from the original text around the densest cluster of
matching words and HTML-escaped, with the matches in ``<mark>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

__all__ = [
    "STOPWORDS",
    "AnalysedText",
    "analyse",
    "compound_candidates",
    "conflation_roots",
    "number_alternatives",
    "snippet",
    "split_compound",
    "stem",
    "tokens",
    "words",
]

# The Snowball project's Swedish stop words: the same list as PostgreSQL's swedish.stop.
STOPWORDS = frozenset("""
och det att i en jag hon som han på den med var sig för så till är men ett om hade de av icke mig du
henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde något från ut när efter upp
vi dem vara vad över än dig kan sina här ha mot alla under någon eller allt mycket sedan ju denna själv
detta åt utan varit hur ingen mitt ni bli blev oss din dessa några deras blir mina samma vilken er
sådan vår blivit dess inom mellan sådant varför varje vilka ditt vem vilket sitta sådana vart dina
vars vårt våra ert era vilkas
""".split())

_WORD_RE = re.compile(r"[^\W_]+")
# Inflectional endings that Snowball's Swedish stemmer leaves on some words (see the module docstring).
CONFLATION_SUFFIXES = ("arna", "erna", "an", "ar", "en", "et", "na", "n", "a")
MIN_ROOT = 4
MIN_COMPOUND_LEFT = 4
MIN_COMPOUND_RIGHT = 4
MIN_COMPOUND_WORD = 8

_NUMBERS = {
    2: "två", 3: "tre", 4: "fyra", 5: "fem", 6: "sex", 7: "sju", 8: "åtta", 9: "nio", 10: "tio",
    11: "elva", 12: "tolv", 13: "tretton", 14: "fjorton", 15: "femton", 16: "sexton", 17: "sjutton",
    18: "arton", 19: "nitton", 20: "tjugo", 24: "tjugofyra", 30: "trettio", 40: "fyrtio", 50: "femtio",
}
_NUMBER_WORDS = {word: str(n) for n, word in _NUMBERS.items()}

_stemmer = snowballstemmer.stemmer("swedish")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The Snowball stem of a lower-case word (a deterministic function, so it is memoised)."""
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """The lower-case words of a text (letters and digits; everything else separates)."""
    return _WORD_RE.findall(text.lower())


def tokens(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, lower-case word) for every word of a text."""
    for match in _WORD_RE.finditer(text):
        yield match.start(), match.end(), match.group(0).lower()


def number_alternatives(word: str) -> tuple[str, ...]:
    """Other ways of writing the same number: "15" -> ("femton",), "femton" -> ("15",)."""
    if word.isdigit():
        name = _NUMBERS.get(int(word))
        return (name,) if name else ()
    digits = _NUMBER_WORDS.get(word)
    return (digits,) if digits else ()


# --------------------------------------------------------------------------- compounds

def compound_candidates(word: str) -> set[str]:
    """Every left and right part a two-part split of ``word`` could have (to look up in a vocabulary)."""
    out: set[str] = set()
    if len(word) < MIN_COMPOUND_WORD or not word.isalpha():
        return out
    for i in range(MIN_COMPOUND_LEFT, len(word) - MIN_COMPOUND_RIGHT + 1):
        left, right = word[:i], word[i:]
        out.add(right)
        out.add(left)
        if left.endswith("s") and len(left) > MIN_COMPOUND_LEFT:
            out.add(left[:-1])
    return out


def split_compound(word: str, is_word: Callable[[str], bool]) -> tuple[str, str] | None:
    """Split a compound into two known words, or None.

    The split with the longest first part wins ("handräcknings|ärenden" ->
    ("handräckning", "ärenden")); a linking "s" is dropped from the first part.
    Neither part may be a stop word.
    """
    if len(word) < MIN_COMPOUND_WORD or not word.isalpha():
        return None
    for i in range(len(word) - MIN_COMPOUND_RIGHT, MIN_COMPOUND_LEFT - 1, -1):
        left, right = word[:i], word[i:]
        if right in STOPWORDS or not is_word(right):
            continue
        for first in (left[:-1] if left.endswith("s") and len(left) > MIN_COMPOUND_LEFT else None, left):
            if first and first not in STOPWORDS and is_word(first):
                return first, right
    return None


def conflation_roots(stems: Iterable[str]) -> dict[str, str]:
    """stem -> root for the stems that have a shorter root in the same vocabulary."""
    known = set(stems)
    roots: dict[str, str] = {}

    def root_of(s: str, depth: int = 0) -> str:
        if depth > 3:
            return s
        for suffix in CONFLATION_SUFFIXES:
            if s.endswith(suffix):
                shorter = s[: -len(suffix)]
                if len(shorter) >= MIN_ROOT and shorter in known:
                    return root_of(shorter, depth + 1)
        return s

    for s in known:
        r = root_of(s)
        if r != s:
            roots[s] = r
    return roots


# --------------------------------------------------------------------------- indexing

@dataclass(frozen=True)
class AnalysedText:
    """What is stored for one searchable text: the title's stems and roots, the body's stems
    (stop words removed), the extra terms (roots and compound parts), and the length in terms."""

    title_stems: str
    body_stems: str
    extra: str
    length: int


def analyse(
    title: str, body: str, *, roots: dict[str, str], compounds: dict[str, tuple[str, str]],
    extra_terms: Iterable[str] = (),
) -> AnalysedText:
    """Analyse a title and body with a vocabulary's roots (stem -> root) and compounds
    (word -> its two parts)."""
    extra: dict[str, None] = {t: None for t in extra_terms}

    def run(text: str) -> list[str]:
        out = []
        for word in words(text):
            if word in STOPWORDS:
                continue
            s = stem(word)
            out.append(s)
            r = roots.get(s)
            if r:
                extra[r] = None
            parts = compounds.get(word)
            if parts:
                for part in parts:
                    ps = stem(part)
                    extra[roots.get(ps, ps)] = None
        return out

    title_stems = run(title)
    body_stems = run(body)
    # the title's roots stand beside its stems, so that "does the title match" is a set lookup
    title_terms = dict.fromkeys([*title_stems, *(roots.get(t, t) for t in title_stems)])
    return AnalysedText(" ".join(title_terms), " ".join(body_stems), " ".join(extra), len(body_stems) + len(title_stems))


# --------------------------------------------------------------------------- snippets

def _matches(word: str, alternatives: frozenset[str], long_alternatives: tuple[str, ...]) -> bool:
    if word in STOPWORDS:
        return False
    if stem(word) in alternatives:
        return True
    return any(alt in word for alt in long_alternatives)


def _candidates_pattern(groups: list[frozenset[str]]) -> re.Pattern | None:
    """Words that may match: those containing a long alternative, or starting with a short one."""
    longs = sorted({a for g in groups for a in g if len(a) >= MIN_ROOT}, key=len, reverse=True)
    shorts = sorted({a for g in groups for a in g if len(a) < MIN_ROOT}, key=len, reverse=True)
    parts = []
    if longs:
        parts.append(r"[^\W_]*?(?:" + "|".join(map(re.escape, longs)) + r")[^\W_]*")
    if shorts:
        parts.append(r"(?:" + "|".join(map(re.escape, shorts)) + r")[^\W_]*")
    if not parts:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(parts) + r")(?![^\W_])", re.IGNORECASE)


def snippet(text: str, concepts: Iterable[Iterable[str]], *, width: int = 260, max_chars: int = 420,
            cache: dict[str, int | None] | None = None) -> str:
    """An HTML snippet of ``text`` around the densest cluster of matches.

    ``concepts`` are the query's terms, each a group of alternatives (stems,
    roots, compound parts): a word matches a group when its stem is one of
    them, or when it contains one of four letters or more (so "fotbojan"
    matches "fotboj" and "handräckningsärenden" matches "handräckning").  The
    stretch of about ``width`` characters with the most distinct groups (then
    the most matches) is shown.  ``cache`` (word -> group) may be shared by the
    snippets of one search.
    """
    groups = [frozenset(a for a in group if a) for group in concepts]
    longs = [tuple(a for a in g if len(a) >= MIN_ROOT) for g in groups]
    seen = cache if cache is not None else {}
    pattern = _candidates_pattern(groups)
    hits: list[tuple[int, int, int]] = []  # (start, end, group)
    if pattern is not None:
        for m in pattern.finditer(text):
            word = m.group(0).lower()
            if word not in seen:
                seen[word] = next((i for i, g in enumerate(groups) if g and _matches(word, g, longs[i])), None)
            if seen[word] is not None:
                hits.append((m.start(), m.end(), seen[word]))
    if len(text) <= max_chars:
        first_char, last_char = 0, len(text)
    else:
        best, best_key = 0, (-1, -1)
        right = 0
        for left in range(len(hits)):  # windows that start at a match
            while right < len(hits) and hits[right][1] - hits[left][0] <= width:
                right += 1
            window = hits[left:right]
            key = (len({h[2] for h in window}), len(window))
            if key > best_key:
                best, best_key = left, key
        anchor = hits[best][0] if hits else 0
        first_char = max(0, anchor - 60)
        if first_char:
            space = text.rfind(" ", 0, first_char)
            first_char = space + 1 if space >= 0 else 0
        last_char = min(len(text), first_char + max_chars)
        if last_char < len(text):
            space = text.rfind(" ", first_char, last_char)
            last_char = space if space > first_char else last_char
    out = ["…" if first_char > 0 else ""]
    cursor = first_char
    for start, stop, _ in hits:
        if start < first_char or stop > last_char:
            continue
        out.append(html.escape(text[cursor:start]))
        out.append(f"<mark>{html.escape(text[start:stop])}</mark>")
        cursor = stop
    out.append(html.escape(text[cursor:last_char]))
    if last_char < len(text):
        out.append("…")
    return " ".join("".join(out).split())

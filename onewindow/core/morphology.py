"""Russian word forms for search: «ребенок» finds «пособие на ребёнка».

pymorphy3 with the OpenCorpora dictionary gives each word its dictionary form (lemma) and
the forms of its lexeme (ребёнок, ребёнка, дети, детей…), where a stemmer would leave
«ребенок» and «ребенк» apart. Words are compared casefolded with ё read as е.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pymorphy3

__all__ = ["lemmas", "typing_words", "words"]

_WORD = re.compile(r"[а-яa-z0-9]+")
# Parts of speech whose forms a specialist types: nouns, adjectives, participles.
_INFLECTED = {"NOUN", "ADJF", "PRTF"}


@lru_cache(maxsize=1)
def _analyzer() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def _norm(text: str) -> str:
    return text.casefold().replace("ё", "е")


def words(text: str | None) -> list[str]:
    """The words of a text, casefolded, ё as е: «Пособие на ребёнка» -> пособие, на, ребенка."""
    return _WORD.findall(_norm(text or ""))


@lru_cache(maxsize=50_000)
def lemmas(word: str) -> frozenset[str]:
    """The word and its dictionary forms under every reading: «детей» -> детей, ребенок."""
    word = _norm(word)
    if not word.isalpha() or not ("а" <= word[0] <= "я"):
        return frozenset({word})
    return frozenset({word} | {_norm(p.normal_form) for p in _analyzer().parse(word)})


@lru_cache(maxsize=5_000)
def _forms(word: str) -> frozenset[str]:
    parse = _analyzer().parse(word)[0]
    if parse.tag.POS not in _INFLECTED:
        return frozenset({word})
    return frozenset({word} | {_norm(f.word) for f in parse.lexeme})


@lru_cache(maxsize=1_000)
def typing_words(text: str) -> str:
    """Every form of the text's inflected words, for matching what is typed by its start.

    A form that is the start of another one is left out (the longer one matches it too),
    which keeps the list short enough to send with a page.
    """
    found: set[str] = set()
    for word in words(text):
        found |= _forms(word) if len(word) > 2 and word.isalpha() else {word}
    return " ".join(sorted(w for w in found
                           if not any(o != w and o.startswith(w) for o in found)))

"""Catalog search ranks what a specialist means first and knows word forms (issue 17,
item 10): «ребен» puts the child benefit first, «ребенок» and «детей» find it."""

from __future__ import annotations

import re

import pytest

from onewindow.catalog.queries import search_services
from onewindow.core.morphology import lemmas, typing_words

HX = {"HX-Request": "true"}


@pytest.mark.parametrize(("query", "first"), [
    ("ребен", {"CHILD", "BIRTH"}),
    ("ребенок", {"CHILD", "BIRTH"}),
    ("ребёнок", {"CHILD", "BIRTH"}),
    ("пособие на ребенка", {"CHILD", "BIRTH"}),
    ("газ", {"GAZ"}),
    ("донор", {"DONOR"}),
    ("погребения", {"BURY", "FUNER"}),
])
def test_the_service_meant_comes_first(session, query, first):
    """A service whose name says the word comes before one that only mentions it."""
    found = [s.code for s in search_services(session, query)]
    assert found and found[0] in first, found[:5]


@pytest.mark.parametrize("query", ["ребен", "ребенок"])
def test_the_child_benefit_before_osago(session, query):
    found = [s.code for s in search_services(session, query)]
    assert "CHILD" in found[:5], found[:5]
    assert "OSAGO" not in found or found.index("OSAGO") > found.index("CHILD")


def test_word_forms_find_the_service(session):
    for query in ("ребенок", "детей", "дети", "донорам", "инвалиду"):
        assert search_services(session, query), query
    assert "CHILD" in {s.code for s in search_services(session, "детей")}


def test_every_word_must_match(session):
    assert search_services(session, "ребенок газификация") == []
    assert len(search_services(session, "")) == 30


def test_the_catalog_page_lists_in_rank_order(specialist_client):
    html = specialist_client.get("/services/", query_string={"q": "ребен"},
                                 headers=HX).get_data(as_text=True)
    assert re.findall(r'href="/services/([A-Z0-9]+)"', html)[0] in {"CHILD", "BIRTH"}


def test_morphology_helpers():
    assert "ребенок" in lemmas("ребёнка") and "ребенок" in lemmas("детей")
    words = typing_words("Ежемесячное пособие на ребёнка").split()
    # Any form of a noun of the name is the start of a word the picker matches.
    for typed in ("ребенок", "ребенку", "детей", "пособия", "ежемесячного"):
        assert any(w.startswith(typed) for w in words), typed

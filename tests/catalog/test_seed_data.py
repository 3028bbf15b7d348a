"""Sanity checks for the service catalog seed data."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from onewindow.catalog.seed_data import (
    BENEFICIARY_CATEGORIES,
    DEPARTMENTS,
    SERVICE_GROUPS,
    SERVICES,
    service_by_code,
)

SEED_TEXT_PATH = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "seed"
    / "job-description-one-window.txt"
)

CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
SERVICE_KEYS = {
    "code",
    "short_name",
    "name",
    "department",
    "group",
    "description",
    "eligibility",
    "result",
    "deadline_days",
    "retention_years",
    "retention_permanent",
    "expert_review",
    "categories",
    "documents",
}
DOCUMENT_KEYS = {"name", "form", "mandatory", "interagency"}
TEXT_FIELDS = ("short_name", "name", "description", "eligibility", "result")


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _haystack(service: dict) -> str:
    parts = [service[field] for field in TEXT_FIELDS]
    parts += [doc["name"] for doc in service["documents"]]
    return " ".join(parts).lower()


def _codes_matching(keyword: str) -> set[str]:
    return {s["code"] for s in SERVICES if keyword in _haystack(s)}


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED_TEXT_PATH.is_file():
        reason = f"seed text not found at {SEED_TEXT_PATH} (shared/ must sit beside the repo)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return _normalise(SEED_TEXT_PATH.read_text(encoding="utf-8"))


# --- identity -----------------------------------------------------------------


def test_exactly_thirty_services():
    assert len(SERVICES) == 30


def test_service_dicts_have_exact_keys():
    for service in SERVICES:
        assert set(service) == SERVICE_KEYS, service["code"]


def test_codes_unique_and_well_formed():
    codes = [s["code"] for s in SERVICES]
    assert len(codes) == len(set(codes))
    bad = [c for c in codes if not CODE_RE.fullmatch(c)]
    assert not bad


def test_short_names_unique_and_short():
    short_names = [s["short_name"] for s in SERVICES]
    assert len(short_names) == len(set(short_names))
    too_long = [n for n in short_names if not 0 < len(n) <= 60]
    assert not too_long


def test_full_names_unique_single_line_and_without_outer_quotes():
    names = [s["name"] for s in SERVICES]
    assert len(names) == len(set(names))
    for name in names:
        assert name == _normalise(name), name
        assert not name.startswith("«"), name
        assert name.count("«") == name.count("»"), name


def test_full_names_appear_in_seed_text(seed_text):
    missing = [s["code"] for s in SERVICES if s["name"] not in seed_text]
    assert not missing


def test_organisational_regulation_is_not_a_service(seed_text):
    organisational = "Организация работы по приему граждан в режиме «Одного окна»"
    assert organisational in seed_text
    assert not any(organisational in s["name"] for s in SERVICES)


def test_text_fields_are_filled_in_russian():
    cyrillic = re.compile(r"[А-Яа-яЁё]")
    for service in SERVICES:
        for field in TEXT_FIELDS:
            value = service[field]
            assert isinstance(value, str) and value.strip(), (service["code"], field)
            assert cyrillic.search(value), (service["code"], field)


# --- references ----------------------------------------------------------------


def test_reference_lists_have_unique_entries():
    assert len(DEPARTMENTS) == len(set(DEPARTMENTS))
    group_codes = [code for code, _ in SERVICE_GROUPS]
    assert len(group_codes) == len(set(group_codes))
    category_codes = [code for code, _ in BENEFICIARY_CATEGORIES]
    assert len(category_codes) == len(set(category_codes))
    assert 18 <= len(BENEFICIARY_CATEGORIES) <= 25


def test_departments_groups_and_categories_exist():
    departments = set(DEPARTMENTS)
    groups = {code for code, _ in SERVICE_GROUPS}
    categories = {code for code, _ in BENEFICIARY_CATEGORIES}
    for service in SERVICES:
        assert service["department"] in departments, service["code"]
        assert service["group"] in groups, service["code"]
        assert isinstance(service["categories"], list), service["code"]
        unknown = set(service["categories"]) - categories
        assert not unknown, (service["code"], unknown)
        assert len(service["categories"]) == len(set(service["categories"])), service["code"]


def test_every_department_and_group_is_used():
    assert {s["department"] for s in SERVICES} == set(DEPARTMENTS)
    assert {s["group"] for s in SERVICES} == {code for code, _ in SERVICE_GROUPS}


# --- deadlines and retention -----------------------------------------------------


def test_deadline_days_positive_ints():
    for service in SERVICES:
        days = service["deadline_days"]
        assert type(days) is int and 0 < days <= 30, service["code"]


def test_retention_consistent():
    for service in SERVICES:
        years = service["retention_years"]
        permanent = service["retention_permanent"]
        assert type(permanent) is bool, service["code"]
        assert type(service["expert_review"]) is bool, service["code"]
        assert permanent == (years is None), service["code"]
        if not permanent:
            assert type(years) is int and years > 0, service["code"]
        else:
            # permanently kept files are always appraised by the expert commission
            assert service["expert_review"], service["code"]


def test_rehabilitated_and_chernobyl_certificate_files_are_permanent():
    for code in ("RPHON", "CHUD"):
        service = service_by_code(code)
        assert service["retention_permanent"] is True
        assert service["retention_years"] is None
        assert service["expert_review"] is True


# --- documents -------------------------------------------------------------------


def test_documents_well_formed():
    for service in SERVICES:
        docs = service["documents"]
        assert 3 <= len(docs) <= 9, service["code"]
        names = [d["name"] for d in docs]
        assert len(names) == len(set(names)), service["code"]
        for doc in docs:
            assert set(doc) == DOCUMENT_KEYS, (service["code"], doc)
            assert isinstance(doc["name"], str) and doc["name"].strip(), service["code"]
            assert doc["form"] in {"original", "copy"}, (service["code"], doc["name"])
            assert type(doc["mandatory"]) is bool, (service["code"], doc["name"])
            assert type(doc["interagency"]) is bool, (service["code"], doc["name"])
            if doc["interagency"]:
                assert doc["mandatory"] and doc["form"] == "original", (
                    service["code"],
                    doc["name"],
                )


def test_document_dicts_are_not_shared_between_services():
    ids = [id(doc) for s in SERVICES for doc in s["documents"]]
    assert len(ids) == len(set(ids))


def test_every_service_has_mandatory_citizen_document():
    for service in SERVICES:
        assert any(d["mandatory"] and not d["interagency"] for d in service["documents"]), service[
            "code"
        ]
        first = service["documents"][0]
        assert first["name"].startswith("Заявление"), service["code"]
        assert first["form"] == "original" and first["mandatory"], service["code"]


def test_most_services_have_interagency_document():
    with_interagency = [
        s["code"] for s in SERVICES if any(d["interagency"] for d in s["documents"])
    ]
    assert len(with_interagency) >= 20


# --- keyword sanity ---------------------------------------------------------------


def test_gas_keyword_points_to_gasification_only():
    assert _codes_matching("газ") == {"GAZ"}
    assert "газификац" in service_by_code("GAZ")["description"].lower()


def test_donor_keyword_points_to_honorary_donor_only():
    assert _codes_matching("донор") == {"DONOR"}
    assert "honorary_donor" in service_by_code("DONOR")["categories"]


def test_chernobyl_keyword_finds_chernobyl_services():
    found = _codes_matching("чернобыл")
    assert len(found) >= 2
    assert {"RHARM", "CHUD"} <= found


# --- lookup -----------------------------------------------------------------------


def test_service_by_code_returns_the_service():
    for service in SERVICES:
        assert service_by_code(service["code"]) is service


def test_service_by_code_unknown_raises_key_error():
    with pytest.raises(KeyError):
        service_by_code("NOPE")
    with pytest.raises(KeyError):
        service_by_code("gaz")

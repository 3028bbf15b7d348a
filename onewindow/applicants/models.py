from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.snils import format_snils, mask_snils
from ..core.text import full_name, initials
from ..database import Generated
from ..extensions import db

# Byte-order collation on PostgreSQL, so that the index serves prefix ranges.
SearchString = String(400).with_variant(String(400, collation="C"), "postgresql")

applicant_categories = Table(
    "applicant_categories",
    db.metadata,
    Column("applicant_id", ForeignKey("applicants.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("beneficiary_categories.id"), primary_key=True),
)

ID_DOC_TYPES = {
    "passport_ru": "Паспорт гражданина РФ",
    "birth_cert": "Свидетельство о рождении",
    "foreign_passport": "Паспорт иностранного гражданина",
    "residence_permit": "Вид на жительство",
    "temporary_id": "Временное удостоверение личности",
    "other": "Иной документ",
}
SEX_NAMES = {"M": "мужской", "F": "женский"}
# A generated column cannot read another on PostgreSQL: head and tail spell the key out.
NAME_KEY_SQL = "replace(replace(search_name, '-', ''), ' ', '')"
NAME_HEAD_SQL = f"substr({NAME_KEY_SQL}, 1, 6)"
NAME_TAIL_SQL = f"substr({NAME_KEY_SQL}, length({NAME_KEY_SQL}) - 5)"


class Applicant(db.Model):
    """A citizen who applies (заявитель)."""

    __tablename__ = "applicants"
    __table_args__ = (
        CheckConstraint("sex IN ('M', 'F')", name="sex_known"),
        # With birth_date in the index a prefix search returns its first rows in order
        # without sorting every match (measured: 0.19 ms instead of 225+ ms at 1M rows).
        Index("ix_applicants_search_name", "search_name", "birth_date"),
        Index("ix_applicants_search_initials", "search_initials", "birth_date"),
        # Selection matching joins on (birth date, name key), and for names one letter
        # apart on (birth date, first / last six letters); birth date alone is a prefix.
        Index("ix_applicants_birth_date_name_key", "birth_date", "name_key"),
        Index("ix_applicants_birth_date_name_head", "birth_date", "name_head"),
        Index("ix_applicants_birth_date_name_tail", "birth_date", "name_tail"),
        Index("ix_applicants_search_alt", "search_alt", "birth_date"),
        Index("ix_applicants_search_given", "search_given", "birth_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    surname: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date]
    sex: Mapped[str] = mapped_column(String(1))
    snils: Mapped[str | None] = mapped_column(String(11), unique=True)
    id_doc_type: Mapped[str] = mapped_column(String(20), default="passport_ru")
    id_doc_series: Mapped[str | None] = mapped_column(String(10))
    id_doc_number: Mapped[str | None] = mapped_column(String(20))
    id_doc_issued_by: Mapped[str | None] = mapped_column(Text)
    id_doc_issue_date: Mapped[date | None]
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    # Consent to receive notices by e-mail (the notice is then also e-mailed).
    email_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    # "фамилия имя отчество", casefolded, ё→е; and "фамилия и о" for initials.
    search_name: Mapped[str] = mapped_column(SearchString)
    search_initials: Mapped[str] = mapped_column(SearchString)
    # "микитова вера андреевна" for Соколова-Микитова (None for a single surname), and
    # "вера андреевна": the name found by any part of it (services.search_keys).
    search_alt: Mapped[str | None] = mapped_column(SearchString)
    search_given: Mapped[str | None] = mapped_column(SearchString)
    # The person key of selection matching (core.text.normalize_person_key of the name):
    # search_name without spaces and hyphens, computed by the database on every write.
    name_key: Mapped[str | None] = mapped_column(String(400), Generated(NAME_KEY_SQL))
    # Its first and last six letters: one edit leaves one of them intact in a key of 12
    # letters or more (selections.matching.fuzzy_candidates).
    name_head: Mapped[str | None] = mapped_column(String(6), Generated(NAME_HEAD_SQL))
    name_tail: Mapped[str | None] = mapped_column(String(6), Generated(NAME_TAIL_SQL))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    categories = relationship(
        "BeneficiaryCategory", secondary=applicant_categories, order_by="BeneficiaryCategory.name"
    )
    applications = relationship(
        "Application", back_populates="applicant", order_by="desc(Application.registered_at)"
    )

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.name, self.patronymic)

    @property
    def short_name(self) -> str:
        return initials(self.surname, self.name, self.patronymic)

    @property
    def snils_display(self) -> str:
        return format_snils(self.snils) if self.snils else ""

    @property
    def snils_masked(self) -> str:
        return mask_snils(self.snils) if self.snils else ""

    @property
    def id_doc_label(self) -> str:
        return ID_DOC_TYPES.get(self.id_doc_type, self.id_doc_type)

    @property
    def id_doc_display(self) -> str:
        parts = [self.id_doc_label]
        if self.id_doc_series:
            parts.append(f"серия {self.id_doc_series}")
        if self.id_doc_number:
            parts.append(f"№ {self.id_doc_number}")
        return " ".join(parts)

    @property
    def id_doc_masked(self) -> str:
        number = self.id_doc_number or ""
        return self.id_doc_label + (" № ***" + number[-3:] if number else "")

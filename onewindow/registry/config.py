"""Per-type settings of requests: default term and the answer template."""

from __future__ import annotations

from dataclasses import dataclass

from .deadlines import INTERAGENCY_WORKING_DAYS, Term


@dataclass(frozen=True)
class RequestType:
    code: str
    name: str
    direction: str  # "in" or "out"
    term: Term | None  # None: the date stated in the request
    template: str = ""


# {your_request}: «На Ваш запрос от 24.11.2026 № 12-34/567», the parts that are known;
# {did_not_receive}: «не получал» or «не получала» by the person's sex; {benefit_phrase}:
# «меру социальной поддержки «…»» when the service is known, else «меры социальной
# поддержки, указанные в запросе».
_NO_BENEFIT = (
    "{your_request} сообщаем, что {person} ({birth_date} г. р.) в {institution} "
    "{benefit_phrase} {did_not_receive}."
)
_CASE_COPY = (
    "{your_request} направляем копии документов личного дела {person} "
    "({birth_date} г. р.). Приложение: на __ л."
)
_INFO = (
    "{your_request} о предоставлении сведений в отношении {person} ({birth_date} г. р.) "
    "сообщаем следующее: "
)
_OTHER = "{your_request} сообщаем следующее: "

REQUEST_TYPES: dict[str, RequestType] = {t.code: t for t in (
    RequestType("no_benefit", "Подтверждение неполучения меры соцподдержки", "in",
                Term(INTERAGENCY_WORKING_DAYS), _NO_BENEFIT),
    RequestType("case_copy", "Копия личного дела / документов", "in",
                Term(INTERAGENCY_WORKING_DAYS), _CASE_COPY),
    RequestType("interagency", "Межведомственный запрос сведений", "in",
                Term(INTERAGENCY_WORKING_DAYS), _INFO),
    RequestType("court", "Запрос суда, прокуратуры, органов следствия", "in", None, _INFO),
    RequestType("other_in", "Иной запрос", "in", None, _OTHER),
    RequestType("document_out", "Межведомственный запрос документа", "out",
                Term(INTERAGENCY_WORKING_DAYS)),
    RequestType("other_out", "Иной исходящий запрос", "out", Term(30, working=False)),
)}


def types_for(direction: str) -> list[RequestType]:
    return [t for t in REQUEST_TYPES.values() if t.direction == direction]


class _Blank(dict):
    def __missing__(self, key):
        return "____"


def fill_template(template: str, values: dict) -> str:
    """The template with known values; unknown placeholders become blanks to fill in."""
    return template.format_map(_Blank({k: v for k, v in values.items() if v}))

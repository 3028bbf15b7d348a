"""Case files and the archive room: opening, placing, issuing, closing, building boxes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from .. import numbering
from ..applicants.models import Applicant
from ..auth.models import User
from ..catalog.models import Service, ServiceGroup
from ..config import setting
from ..core import clock
from ..database import add_to_collection, is_postgres
from ..errors import Conflict, InvalidInput, NotFound
from ..numbering import next_value, next_values
from .models import (
    CLOSE_REASONS,
    OPEN_CASE_FILE,
    ArchiveBox,
    ArchiveRack,
    ArchiveRoom,
    ArchiveShelf,
    CaseFile,
    CaseFileEvent,
    CaseFileMove,
    Checkout,
)

DEFAULT_NUMBER_FORMAT = "{code}/{yy:02d}/{seq:05d}"
DEFAULT_BOX_CAPACITY = 50
MAX_BULK_BOXES = 2000
# Two reads of one code closer than this are one scan. Times are kept to the second, so
# the server sees reads within the same second; the scan page itself drops a repeat
# within 1000 ms before sending it (static/js/archive.js).
SCAN_REPEAT = timedelta(seconds=1)


# ------------------------------------------------------------------ numbering


def configured_number_format() -> str:
    return setting("ARCHIVE_CASE_NUMBER_FORMAT", DEFAULT_NUMBER_FORMAT)


def case_journal(service: Service, number_format: str | None = None) -> str:
    """The counter case numbers come from: one per service, or one for all."""
    fmt = number_format or configured_number_format()
    return f"case:{service.code}" if "{code" in fmt else "case_files"


def _case_number(fmt: str, *, service: Service, year: int, seq: int) -> str:
    try:
        return fmt.format(code=service.code, year=year, yy=year % 100, seq=seq,
                          group=service.group_code)
    except (KeyError, IndexError, ValueError) as exc:
        raise InvalidInput(f"Неверный формат номера дела: {fmt}") from exc


def free_case_number(session: Session, *, service: Service, year: int, seq: int,
                     number_format: str | None = None) -> str:
    """The case number of counter value ``seq``, or of the next values (taken from the same
    counter) when an imported legacy folder has that number: skipped, not reused."""
    fmt = number_format or configured_number_format()
    for _attempt in range(1000):
        number = _case_number(fmt, service=service, year=year, seq=seq)
        if session.scalar(select(CaseFile.id).where(CaseFile.number == number)) is None:
            return number
        seq = next_value(session, journal=case_journal(service, fmt), period=str(year))
    raise Conflict("Не удалось подобрать свободный номер дела")


def next_case_number(session: Session, *, service: Service, year: int,
                     number_format: str | None = None) -> str:
    """Take the next case number, e.g. ESP/26/00001 (a counter per service and year)."""
    seq = next_value(session, journal=case_journal(service, number_format), period=str(year))
    return free_case_number(session, service=service, year=year, seq=seq,
                            number_format=number_format)


def take_case_numbers(session: Session, *, service: Service, year: int, count: int,
                      number_format: str | None = None) -> list[str]:
    """Take ``count`` case numbers at once: one counter lock and one look-up per block."""
    fmt = number_format or configured_number_format()
    journal = case_journal(service, fmt)
    numbers: list[str] = []
    for _attempt in range(1000):
        block = [_case_number(fmt, service=service, year=year, seq=seq)
                 for seq in next_values(session, journal=journal, period=str(year),
                                        count=count - len(numbers))]
        # Numbers taken by imported legacy folders are skipped, not reused.
        taken = set(session.scalars(select(CaseFile.number).where(CaseFile.number.in_(block))))
        numbers.extend(n for n in block if n not in taken)
        if len(numbers) == count:
            return numbers
    raise Conflict("Не удалось подобрать свободный номер дела")


def next_box_barcode(session: Session) -> str:
    number = next_value(session, journal="archive_boxes", period="all")
    return f"{ArchiveBox.BARCODE_PREFIX}{number:06d}"


# ------------------------------------------------------------------ case files


def _event(case_file: CaseFile, *, kind: str, user_id: int | None, now: datetime,
           comment: str | None = None) -> None:
    add_to_collection(case_file, "events",
                      CaseFileEvent(at=now, user_id=user_id, kind=kind, comment=comment))


def open_case_file(session: Session, *, applicant_id: int, service_code: str,
                   user_id: int | None, now: datetime, sheets: int = 0,
                   number: str | None = None, number_format: str | None = None,
                   note: str | None = None) -> CaseFile:
    """Open the applicant's case file for a service; an existing one is returned as is."""
    service = session.scalar(select(Service).where(
        Service.code == (service_code or "").strip().upper()))
    if service is None:
        raise InvalidInput("Выберите услугу из перечня", field="service")
    applicant = session.get(Applicant, applicant_id) if applicant_id else None
    if applicant is None:
        raise InvalidInput("Выберите заявителя", field="applicant")
    existing = find_case_file(session, applicant_id=applicant.id, service_id=service.id)
    if existing is not None:
        return existing
    if not 0 <= int(sheets or 0) <= 10000:
        raise InvalidInput("Число листов — от 0 до 10000", field="sheets")
    if number:
        number = number.strip()
        if session.scalar(select(CaseFile.id).where(CaseFile.number == number,
                                                    CaseFile.status != "cancelled")):
            raise Conflict(f"Дело с номером {number} уже есть", field="number")
    else:
        number = next_case_number(session, service=service, year=now.year,
                                  number_format=number_format)
    case_file = CaseFile(number=number, applicant=applicant, service=service, year=now.year,
                         opened_on=now.date(), opened_by_id=user_id, status="active",
                         sheets=int(sheets or 0), note=(note or "").strip() or None)
    _event(case_file, kind="opened", user_id=user_id, now=now)
    session.add(case_file)
    session.flush()
    return case_file


def find_case_file(session: Session, *, applicant_id: int, service_id: int) -> CaseFile | None:
    """The applicant's file for the service; a cancelled (an undone import) or destroyed
    one (retention over: a new application opens a new folder) is none."""
    return session.scalar(select(CaseFile).where(
        CaseFile.applicant_id == applicant_id, CaseFile.service_id == service_id,
        # The partial unique index's own WHERE clause, as a literal: only then may SQLite
        # use that index; without it, it scanned all the service's files (every
        # registration asks).
        OPEN_CASE_FILE))


def refuse_if_gone(case_file: CaseFile) -> None:
    """A destroyed or cancelled file takes no placement, issue or closing."""
    if case_file.status == "destroyed":
        raise Conflict(f"Дело {case_file.number}: {case_file.destroyed_label}")
    if case_file.status == "cancelled":
        raise Conflict(f"Дело {case_file.number} аннулировано (отмена импорта "
                       f"№ {case_file.import_batch_id}): {case_file.cancel_reason}")


def ensure_case_file_for_application(session: Session, application) -> CaseFile:
    """Open (or find) the case file for a registered application and file it there.

    Called by intake registration: the first application for a service opens the file,
    later ones join it. A closed file is reopened (the person applied again); after a
    destroyed one a new folder opens (its register entry stays as it was).
    """
    now = application.registered_at or clock.now()
    case_file = open_case_file(session, applicant_id=application.applicant_id,
                               service_code=application.service.code,
                               user_id=application.registered_by_id, now=now)
    if application not in case_file.applications:
        if case_file.status == "closed":
            reopen_case_file(session, case_file, user_id=application.registered_by_id, now=now,
                             reason=f"Новое заявление № {application.number}")
        case_file.applications.append(application)
        case_file.sheets += application.total_sheets
        if len(case_file.applications) > 1:
            _event(case_file, kind="linked", user_id=application.registered_by_id, now=now,
                   comment=f"Заявление № {application.number}")
    session.flush()
    return case_file


CASE_FILE_LOCKS = 0x43415345  # pg_advisory_xact_lock(int, int) namespace: "CASE" in ASCII


def file_new_application(session: Session, application) -> CaseFile:
    """File an application being registered: into the open case file, or a new one.

    Two desks registering the same person for the same service at once must meet in one
    file: the second waits until the first commits (PostgreSQL: a lock on the person and
    service, then the open file's row; SQLite: the write lock, taken by the FOR UPDATE),
    then finds the file the first opened. Nothing is flushed: the registration inserts
    every row at once; a new file gets its number with the registration's numbers, and
    what quotes the application's number (an event's comment) is written then too.
    """
    now = application.registered_at
    user_id = application.registered_by_id
    service = application.service
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {
            "ns": CASE_FILE_LOCKS,
            "key": (application.applicant.id * 1024 + service.id) % 2**31})
    case_file = session.scalar(
        select(CaseFile).where(CaseFile.applicant_id == application.applicant.id,
                               CaseFile.service_id == service.id, OPEN_CASE_FILE)
        .with_for_update().execution_options(populate_existing=True))
    if case_file is None:
        case_file = CaseFile(number=numbering.placeholder()[1], applicant=application.applicant,
                             service=service, year=now.year, opened_on=now.date(),
                             opened_by_id=user_id, status="active", sheets=0)
        _event(case_file, kind="opened", user_id=user_id, now=now)
        session.add(case_file)
        case_file.applications.append(application)

        def number(seq: int) -> None:
            case_file.number = free_case_number(session, service=service, year=now.year,
                                                seq=seq)

        numbering.defer(session, journal=case_journal(service), period=str(now.year),
                        assign=number)
    else:
        closed = case_file.status == "closed"
        case_file.applications.append(application)
        linked = len(case_file.applications) > 1

        def quote_number() -> None:
            if closed:
                _reopen(case_file, reason=f"Новое заявление № {application.number}",
                        user_id=user_id, now=now)
            if linked:
                _event(case_file, kind="linked", user_id=user_id, now=now,
                       comment=f"Заявление № {application.number}")

        numbering.then(session, quote_number)
    case_file.sheets += application.total_sheets
    return case_file


def close_case_file(session: Session, case_file: CaseFile, *, reason: str, note: str | None,
                    user_id: int, now: datetime) -> CaseFile:
    """Close a case file with a reason (payments stopped, moved away, died, other)."""
    if case_file.status == "closed":
        raise Conflict("Дело уже закрыто")
    refuse_if_gone(case_file)
    if reason not in CLOSE_REASONS:
        raise InvalidInput("Выберите причину закрытия", field="reason")
    note = (note or "").strip() or None
    if reason == "other" and not note:
        raise InvalidInput("Опишите причину закрытия", field="note")
    case_file.status = "closed"
    case_file.closed_on = now.date()
    case_file.close_reason = reason
    case_file.close_note = note
    _event(case_file, kind="closed", user_id=user_id, now=now,
           comment=CLOSE_REASONS[reason] + (f": {note}" if note else ""))
    session.flush()
    return case_file


def reopen_case_file(session: Session, case_file: CaseFile, *, reason: str, user_id: int | None,
                     now: datetime) -> CaseFile:
    """Reopen a closed case file; why is required."""
    if case_file.status != "closed":
        raise Conflict("Дело не закрыто")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Укажите, почему дело открывается снова", field="reason")
    _reopen(case_file, reason=reason, user_id=user_id, now=now)
    session.flush()
    return case_file


def _reopen(case_file: CaseFile, *, reason: str, user_id: int | None, now: datetime) -> None:
    case_file.status = "active"
    case_file.closed_on = None
    case_file.close_reason = None
    case_file.close_note = None
    _event(case_file, kind="reopened", user_id=user_id, now=now, comment=reason)


def set_sheets(session: Session, case_file: CaseFile, *, sheets: int, user_id: int,
               now: datetime) -> CaseFile:
    if not isinstance(sheets, int) or not 0 <= sheets <= 10000:
        raise InvalidInput("Число листов — целое от 0 до 10000", field="sheets")
    if sheets != case_file.sheets:
        _event(case_file, kind="sheets", user_id=user_id, now=now,
               comment=f"{case_file.sheets} → {sheets}")
        case_file.sheets = sheets
        session.flush()
    return case_file


# ------------------------------------------------------------------ placement


@dataclass
class Placement:
    case_file: CaseFile
    box: ArchiveBox
    warnings: list[str] = field(default_factory=list)
    moved: bool = True
    # The same folder scanned into the same box again within SCAN_REPEAT: a double read.
    repeat: bool = False


def _lock(session: Session, model, pk: int):
    """Re-read a row under a row lock (FOR UPDATE on PostgreSQL; SQLite holds the write lock)."""
    return session.scalar(select(model).where(model.id == pk).with_for_update()
                          .execution_options(populate_existing=True))


def box_count(session: Session, box_id: int) -> int:
    return session.scalar(select(func.count(CaseFile.id)).where(CaseFile.box_id == box_id)) or 0


def place_case_file(session: Session, *, case_file: CaseFile, box: ArchiveBox,
                    user_id: int | None, now: datetime) -> Placement:
    """File a folder into a box; the move is recorded. A full box refuses the folder.

    The box row is locked first, so concurrent placements into one box are counted
    one after another and a box of capacity N never holds more than N folders.
    """
    box = _lock(session, ArchiveBox, box.id)
    case_file = _lock(session, CaseFile, case_file.id)
    if box is None or case_file is None:
        raise NotFound("Короб или дело не найдены")
    refuse_if_gone(case_file)
    if case_file.box_id == box.id:
        last = session.scalar(select(CaseFileMove).where(
            CaseFileMove.case_file_id == case_file.id).order_by(CaseFileMove.id.desc()))
        if last is not None and last.to_box_id == box.id and _just_now(last.at, now) \
                and last.user_id == user_id:
            return Placement(case_file=case_file, box=box, moved=False, repeat=True)
        return Placement(case_file=case_file, box=box, moved=False,
                         warnings=["Дело уже в этом коробе"])
    checkout = session.scalar(select(Checkout).where(
        Checkout.case_file_id == case_file.id, Checkout.returned_at.is_(None)))
    if checkout is not None:
        raise Conflict(f"Дело {case_file.number} выдано ({checkout.issued_to.full_name}); "
                       "сначала оформите возврат")
    count = box_count(session, box.id)
    if count >= box.capacity:
        raise Conflict(f"Короб {box.barcode} заполнен ({count} из {box.capacity})")
    warnings = []
    if count + 1 == box.capacity:
        warnings.append("Короб заполнен: это последнее место")
    if box.group_code and case_file.service.group_code != box.group_code:
        warnings.append(f"Дело другой группы услуг (короб: {box.group.name})")
    if (box.year_from and case_file.year < box.year_from) or (
            box.year_to and case_file.year > box.year_to):
        warnings.append(f"Дело {case_file.year} г. — короб для {box.years_label} гг.")
    move = CaseFileMove(case_file=case_file, from_box_id=case_file.box_id, to_box_id=box.id,
                        at=now, user_id=user_id, warning="; ".join(warnings) or None)
    session.add(move)
    case_file.box_id = box.id
    session.flush()
    session.refresh(case_file, attribute_names=["box"])
    return Placement(case_file=case_file, box=box, warnings=warnings)


# ------------------------------------------------------------------ issue and return


def issue_case_file(session: Session, *, case_file: CaseFile, to_user_id: int, due_on: date,
                    user_id: int | None, now: datetime) -> Checkout:
    """Hand a folder to an employee until ``due_on``."""
    case_file = _lock(session, CaseFile, case_file.id)
    if session.get(User, to_user_id or 0) is None:
        raise InvalidInput("Выберите сотрудника, которому выдаётся дело", field="to_user_id")
    refuse_if_gone(case_file)
    if due_on is None or due_on < now.date():
        raise InvalidInput("Срок возврата не может быть в прошлом", field="due_on")
    if session.scalar(select(Checkout.id).where(Checkout.case_file_id == case_file.id,
                                                Checkout.returned_at.is_(None))):
        raise Conflict(f"Дело {case_file.number} уже выдано")
    checkout = Checkout(case_file=case_file, issued_to_id=to_user_id, issued_at=now,
                        issued_by_id=user_id, due_on=due_on)
    session.add(checkout)
    session.flush()
    return checkout


def return_case_file(session: Session, *, case_file: CaseFile, user_id: int | None,
                     now: datetime) -> Checkout:
    """Take a folder back from whoever had it."""
    case_file = _lock(session, CaseFile, case_file.id)
    checkout = session.scalar(select(Checkout).where(
        Checkout.case_file_id == case_file.id, Checkout.returned_at.is_(None)))
    if checkout is None:
        raise Conflict(f"Дело {case_file.number} не выдавалось")
    checkout.returned_at = now
    checkout.returned_by_id = user_id
    session.flush()
    return checkout


def _just_now(at: datetime | None, now: datetime) -> bool:
    return at is not None and timedelta(0) <= now - at < SCAN_REPEAT


def toggle_checkout(session: Session, *, case_file: CaseFile, to_user_id: int | None,
                    due_on: date | None, user_id: int | None, now: datetime):
    """Scan in issue mode: a folder that is out comes back, any other is issued.

    A scanner may read one label twice within milliseconds: the same folder scanned
    again by the same person within SCAN_REPEAT of its issue or return counts once
    ("repeat", the checkout) instead of undoing what the first read did.
    """
    case_file = _lock(session, CaseFile, case_file.id)
    last = session.scalar(select(Checkout).where(Checkout.case_file_id == case_file.id)
                          .order_by(Checkout.id.desc()))
    if last is not None and (
            (last.returned_at is None and last.issued_by_id == user_id
             and _just_now(last.issued_at, now))
            or (last.returned_at is not None and last.returned_by_id == user_id
                and _just_now(last.returned_at, now))):
        return "repeat", last
    open_checkout = last if last is not None and last.returned_at is None else None
    if open_checkout is not None:
        return "returned", return_case_file(session, case_file=case_file, user_id=user_id,
                                            now=now)
    return "issued", issue_case_file(session, case_file=case_file, to_user_id=to_user_id or 0,
                                     due_on=due_on, user_id=user_id, now=now)


# ------------------------------------------------------------------ structure


def get_or_create_room(session: Session, name: str) -> ArchiveRoom:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("Укажите помещение", field="room")
    room = session.scalar(select(ArchiveRoom).where(ArchiveRoom.name == name))
    if room is None:
        room = ArchiveRoom(name=name)
        session.add(room)
        session.flush()
    return room


def get_or_create_shelf(session: Session, *, room: ArchiveRoom, rack_number: int,
                        shelf_number: int) -> ArchiveShelf:
    rack = session.scalar(select(ArchiveRack).where(
        ArchiveRack.room_id == room.id, ArchiveRack.number == rack_number))
    if rack is None:
        rack = ArchiveRack(room=room, number=rack_number)
        session.add(rack)
        session.flush()
    shelf = session.scalar(select(ArchiveShelf).where(
        ArchiveShelf.rack_id == rack.id, ArchiveShelf.number == shelf_number))
    if shelf is None:
        shelf = ArchiveShelf(rack=rack, number=shelf_number)
        session.add(shelf)
        session.flush()
    return shelf


def create_box(session: Session, *, shelf: ArchiveShelf, number: int | None = None,
               capacity: int = DEFAULT_BOX_CAPACITY, year_from: int | None = None,
               year_to: int | None = None, group_code: str | None = None,
               import_batch_id: int | None = None, label: str | None = None) -> ArchiveBox:
    if number is None:
        number = (session.scalar(select(func.max(ArchiveBox.number))
                                 .where(ArchiveBox.shelf_id == shelf.id)) or 0) + 1
    elif session.scalar(select(ArchiveBox.id).where(ArchiveBox.shelf_id == shelf.id,
                                                    ArchiveBox.number == number)):
        raise Conflict(f"Короб {number} на этой полке уже есть")
    box = ArchiveBox(barcode=next_box_barcode(session), shelf=shelf, number=number,
                     capacity=capacity, year_from=year_from, year_to=year_to,
                     group_code=group_code or None, import_batch_id=import_batch_id,
                     label=label)
    session.add(box)
    session.flush()
    return box


def bulk_create_structure(session: Session, *, room_name: str, rack_number: int,
                          shelf_from: int, shelf_to: int, boxes_per_shelf: int,
                          capacity: int = DEFAULT_BOX_CAPACITY, year_from: int | None = None,
                          year_to: int | None = None,
                          group_code: str | None = None) -> list[ArchiveBox]:
    """Create "rack 3, shelves 1–6, 5 boxes each": new boxes follow existing ones."""
    if rack_number is None or rack_number < 1:
        raise InvalidInput("Номер стеллажа — целое число от 1", field="rack_number")
    if shelf_from is None or shelf_to is None or not 1 <= shelf_from <= shelf_to:
        raise InvalidInput("Полки: от 1, «с» не больше «по»", field="shelf_from")
    if boxes_per_shelf is None or boxes_per_shelf < 1:
        raise InvalidInput("Коробов на полке — от 1", field="boxes_per_shelf")
    if (shelf_to - shelf_from + 1) * boxes_per_shelf > MAX_BULK_BOXES:
        raise InvalidInput(f"За один раз — не больше {MAX_BULK_BOXES} коробов",
                           field="boxes_per_shelf")
    if capacity is None or capacity < 1:
        raise InvalidInput("Вместимость — от 1 дела", field="capacity")
    if year_from and year_to and year_from > year_to:
        raise InvalidInput("Годы: «с» не больше «по»", field="year_from")
    if group_code and session.get(ServiceGroup, group_code) is None:
        raise InvalidInput("Неизвестная группа услуг", field="group_code")
    room = get_or_create_room(session, room_name)
    boxes = []
    for shelf_number in range(shelf_from, shelf_to + 1):
        shelf = get_or_create_shelf(session, room=room, rack_number=rack_number,
                                    shelf_number=shelf_number)
        for _ in range(boxes_per_shelf):
            boxes.append(create_box(session, shelf=shelf, capacity=capacity,
                                    year_from=year_from, year_to=year_to,
                                    group_code=group_code))
    return boxes


def get_case_file(session: Session, case_file_id: int) -> CaseFile:
    case_file = session.get(CaseFile, case_file_id)
    if case_file is None:
        raise NotFound("Дело не найдено")
    return case_file


def get_box(session: Session, box_id: int) -> ArchiveBox:
    box = session.get(ArchiveBox, box_id)
    if box is None:
        raise NotFound("Короб не найден")
    return box

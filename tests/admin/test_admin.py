"""Admin screens: catalog editing, categories, calendar overrides, staff accounts."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from onewindow.auth.models import User
from onewindow.calendar.models import CalendarOverride
from onewindow.calendar.services import office_calendar
from onewindow.catalog.models import BeneficiaryCategory, Service

from ..conftest import login
from ..factories import DEFAULT_PASSWORD, make_application

HX = {"HX-Request": "true"}


@pytest.fixture
def admin_client(client, users):
    login(client, users["admin"])
    return client


def _service(session, code: str) -> Service:
    session.expire_all()
    return session.scalar(select(Service).where(Service.code == code))


def _edit_form(service: Service, **overrides) -> dict:
    """The edit form as the browser submits it, unchanged unless overridden."""
    data = {
        "short_name": service.short_name, "name": service.name,
        "department": service.department, "group_code": service.group_code,
        "description": service.description, "eligibility": service.eligibility,
        "result": service.result, "deadline_days": str(service.deadline_days),
        "retention_years": str(service.retention_years or ""),
        "categories": [str(c.id) for c in service.categories],
    }
    for flag in ("retention_permanent", "expert_review", "active"):
        if getattr(service, flag):
            data[flag] = "y"
    for i, doc in enumerate(service.documents, start=1):
        data[f"doc-{i}-name"] = doc.name
        data[f"doc-{i}-form"] = doc.form
        data[f"doc-{i}-position"] = str(doc.position)
        if doc.mandatory:
            data[f"doc-{i}-mandatory"] = "1"
        if doc.interagency:
            data[f"doc-{i}-interagency"] = "1"
    n = len(service.documents)
    for i in range(n + 1, n + 4):  # the empty rows for additions
        data[f"doc-{i}-name"] = ""
        data[f"doc-{i}-form"] = "copy"
        data[f"doc-{i}-position"] = str(i)
    data.update(overrides)
    return data


ADMIN_URLS = ["/admin/", "/admin/services/", "/admin/services/ESP/edit", "/admin/categories/",
              "/admin/calendar/", "/admin/users/", "/admin/users/new"]


@pytest.mark.parametrize("role", ["specialist", "chief", "director", "archivist"])
def test_non_admin_gets_403(client, users, role):
    login(client, users[role])
    for url in ADMIN_URLS:
        assert client.get(url).status_code == 403, url
    assert client.post("/admin/services/ESP/edit", data={"deadline_days": "1"}).status_code == 403
    assert client.post(f"/admin/users/{users[role].id}/active",
                       data={"active": "0"}).status_code == 403


def test_admin_pages_open(admin_client):
    for url in ADMIN_URLS:
        r = admin_client.get(url)
        assert r.status_code == 200, url
        assert "<html" in r.get_data(as_text=True)
    edit = admin_client.get("/admin/services/GAZ/edit").get_data(as_text=True)
    assert 'value="Выписка из ЕГРН о правах на жилое помещение (Росреестр)"' in edit


def test_edit_deadline_changes_new_applications(reseed_catalog, admin_client, users, session):
    service = _service(session, "ESP")
    assert service.deadline_days == 10
    r = admin_client.post("/admin/services/ESP/edit", data=_edit_form(service, deadline_days="20"))
    assert r.status_code == 303, r.get_data(as_text=True)
    assert r.headers["Location"].endswith("/admin/services/")
    service = _service(session, "ESP")
    assert service.deadline_days == 20
    assert len(service.documents) == 8  # the checklist came back unchanged
    now = datetime(2026, 11, 27, 10, 30)
    application = make_application(session, user=users["specialist"], service_code="ESP", now=now)
    assert application.deadline == office_calendar(session).add_working_days(now.date(), 20)
    assert application.deadline == date(2026, 12, 25)


def test_edit_checklist_rows(reseed_catalog, admin_client, session):
    service = _service(session, "DONOR")
    names = [d.name for d in service.documents]
    data = _edit_form(service)
    data["doc-2-name"] = ""  # remove the passport
    data["doc-1-position"] = "50"  # the application form goes last
    n = len(names)
    data[f"doc-{n + 1}-name"] = "Справка  о  донациях"
    data[f"doc-{n + 1}-form"] = "original"
    data[f"doc-{n + 1}-mandatory"] = "1"
    data[f"doc-{n + 1}-position"] = "2"
    r = admin_client.post("/admin/services/DONOR/edit", data=data)
    assert r.status_code == 303, r.get_data(as_text=True)
    docs = _service(session, "DONOR").documents
    assert [d.name for d in docs] == ["Справка о донациях"] + names[2:] + [names[0]]
    assert [d.position for d in docs] == list(range(1, len(docs) + 1))
    added = docs[0]
    assert (added.form, added.mandatory, added.interagency) == ("original", True, False)
    # The new document's words are searchable at once.
    found = admin_client.get("/services/?q=донациях", headers=HX).get_data(as_text=True)
    assert 'href="/services/DONOR"' in found


@pytest.mark.parametrize(("overrides", "message"), [
    ({"deadline_days": "abc"}, "Введите целое число"),
    ({"deadline_days": "0"}, "Срок — от 1 до 365 рабочих дней"),
    ({"short_name": "  "}, "Укажите краткое наименование"),
    ({"retention_years": ""}, "Укажите срок хранения"),
    ({"group_code": "nope"}, "Выберите группу услуг из списка"),
    ({"doc-1-position": "первый"}, "порядковый номер — целое число"),
])
def test_bad_input_is_422_and_changes_nothing(reseed_catalog, admin_client, session,
                                              overrides, message):
    before = _service(session, "ESP")
    snapshot = (before.short_name, before.deadline_days, before.retention_years,
                [d.name for d in before.documents])
    data = _edit_form(before, **overrides)
    data["doc-2-name"] = ""  # an accompanying change must not be half-saved either
    r = admin_client.post("/admin/services/ESP/edit", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in html
    assert "изменения не сохранены" in html
    after = _service(session, "ESP")
    assert (after.short_name, after.deadline_days, after.retention_years,
            [d.name for d in after.documents]) == snapshot


def test_empty_checklist_is_refused(reseed_catalog, admin_client, session):
    service = _service(session, "CHUD")
    data = _edit_form(service)
    for key in list(data):
        if key.endswith("-name"):
            data[key] = ""
    r = admin_client.post("/admin/services/CHUD/edit", data=data)
    assert r.status_code == 422
    assert "В перечне должен быть хотя бы один документ" in r.get_data(as_text=True)
    assert len(_service(session, "CHUD").documents) == len(service.documents)


def test_deactivated_service_leaves_the_catalog(reseed_catalog, admin_client, session):
    service = _service(session, "GAZ")
    data = _edit_form(service)
    del data["active"]
    assert admin_client.post("/admin/services/GAZ/edit", data=data).status_code == 303
    assert not _service(session, "GAZ").active
    found = admin_client.get("/services/?q=газ", headers=HX).get_data(as_text=True)
    assert 'href="/services/GAZ"' not in found


def test_categories_add_rename_deactivate(reseed_catalog, admin_client, session):
    r = admin_client.post("/admin/categories/", data={"name": "Участник СВО"})
    assert r.status_code == 303
    category = session.scalar(select(BeneficiaryCategory).where(
        BeneficiaryCategory.name == "Участник СВО"))
    assert category is not None and category.active

    duplicate = admin_client.post("/admin/categories/", data={"name": "участник  сво"})
    assert duplicate.status_code == 422
    assert "Такая категория уже есть" in duplicate.get_data(as_text=True)
    empty = admin_client.post("/admin/categories/", data={"name": " "})
    assert empty.status_code == 422
    assert "Укажите наименование категории" in empty.get_data(as_text=True)

    r = admin_client.post(f"/admin/categories/{category.id}",
                          data={"name": "Участник специальной военной операции"})
    assert r.status_code == 303
    bad = admin_client.post(f"/admin/categories/{category.id}", data={"name": ""})
    assert bad.status_code == 422
    session.expire_all()
    assert category.name == "Участник специальной военной операции"

    donor = session.scalar(select(BeneficiaryCategory).where(
        BeneficiaryCategory.code == "honorary_donor"))
    r = admin_client.post(f"/admin/categories/{donor.id}/active", data={"active": "0"})
    assert r.status_code == 303
    session.expire_all()
    assert donor.active is False
    # Never deleted: the row and its links to services remain.
    assert donor in _service(session, "DONOR").categories
    page = admin_client.get("/admin/categories/").get_data(as_text=True)
    assert "Вернуть" in page
    r = admin_client.post(f"/admin/categories/{donor.id}/active", data={"active": "1"})
    session.expire_all()
    assert donor.active is True


def test_calendar_override_changes_deadline(admin_client, users, session):
    # 2027-02-20 is a transferred working Saturday; declare it a day off after all.
    page = admin_client.get("/admin/calendar/").get_data(as_text=True)
    assert "Поправок нет" in page
    now = datetime(2027, 2, 19, 10, 0)
    before = make_application(session, user=users["specialist"], service_code="ESP", now=now)
    session.commit()
    r = admin_client.post("/admin/calendar/", data={"day": "20.02.2027", "working": "0",
                                                     "note": "постановление № 1"})
    assert r.status_code == 303, r.get_data(as_text=True)
    row = session.get(CalendarOverride, date(2027, 2, 20))
    assert row.working is False and row.note == "постановление № 1"
    after = make_application(session, user=users["specialist"], service_code="ESP", now=now)
    assert after.deadline > before.deadline
    assert after.deadline == office_calendar(session).add_working_days(now.date(), 10)

    page = admin_client.get("/admin/calendar/").get_data(as_text=True)
    assert "20.02.2027" in page and "постановление № 1" in page
    assert "рабочий день" in page  # what the package says for that Saturday

    # Change it back through the same form.
    prefilled = admin_client.get("/admin/calendar/?day=20.02.2027").get_data(as_text=True)
    assert 'value="постановление № 1"' in prefilled
    r = admin_client.post("/admin/calendar/", data={"day": "20.02.2027", "working": "1"})
    assert r.status_code == 303
    session.expire_all()
    assert session.get(CalendarOverride, date(2027, 2, 20)).working is True

    bad = admin_client.post("/admin/calendar/", data={"day": "31.02.2027", "working": "0"})
    assert bad.status_code == 422
    assert 'class="error"' in bad.get_data(as_text=True)


def test_create_user_with_password_policy(admin_client, session):
    data = {"username": "Petrova", "full_name": "Петрова Ольга Ивановна",
            "position": "Ведущий специалист", "role": "chief",
            "password": "1234567890", "password2": "1234567890"}
    weak = admin_client.post("/admin/users/new", data=data)
    assert weak.status_code == 422
    assert "Пароль слишком простой" in weak.get_data(as_text=True)
    assert session.scalar(select(User).where(User.username == "petrova")) is None
    mismatch = admin_client.post("/admin/users/new", data=dict(
        data, password="Long-enough-1", password2="Long-enough-2"))
    assert mismatch.status_code == 422
    assert "Пароли не совпадают" in mismatch.get_data(as_text=True)

    ok = admin_client.post("/admin/users/new", data=dict(
        data, password="Long-enough-1", password2="Long-enough-1"))
    assert ok.status_code == 303
    user = session.scalar(select(User).where(User.username == "petrova"))
    assert (user.full_name, user.role, user.position) == (
        "Петрова Ольга Ивановна", "chief", "Ведущий специалист")
    again = admin_client.post("/admin/users/new", data=dict(
        data, password="Long-enough-1", password2="Long-enough-1"))
    assert again.status_code == 422
    assert "Пользователь с таким именем уже есть" in again.get_data(as_text=True)
    assert "Петрова Ольга Ивановна" in admin_client.get("/admin/users/").get_data(as_text=True)


def test_change_role(admin_client, users, session):
    user = users["specialist"]
    r = admin_client.post(f"/admin/users/{user.id}", data={
        "full_name": user.full_name, "position": "Главный специалист", "role": "chief"})
    assert r.status_code == 303
    session.expire_all()
    assert (user.role, user.position) == ("chief", "Главный специалист")
    bad = admin_client.post(f"/admin/users/{user.id}", data={
        "full_name": user.full_name, "position": "Ведущий специалист", "role": "superuser"})
    assert bad.status_code == 422
    assert re.search(r'id="role-error">Неизвестная роль', bad.get_data(as_text=True))
    session.expire_all()
    assert (user.role, user.position) == ("chief", "Главный специалист")  # not half-saved
    me = users["admin"]
    own = admin_client.post(f"/admin/users/{me.id}", data={
        "full_name": me.full_name, "role": "specialist"})
    assert own.status_code == 422
    session.expire_all()
    assert me.role == "admin"


class Desk:
    """A client whose every request runs in its own app context.

    Requests made inside the test's app context would share ``g`` (and so Flask-Login's
    cached user) with every other client; separate contexts keep two browsers apart.
    """

    def __init__(self, app, user=None, password=DEFAULT_PASSWORD):
        self.app, self.client = app, app.test_client()
        if user is not None:
            with app.app_context():
                login(self.client, user, password)

    def get(self, url, **kwargs):
        with self.app.app_context():
            return self.client.get(url, **kwargs)

    def post(self, url, **kwargs):
        with self.app.app_context():
            return self.client.post(url, **kwargs)


def _fresh_user(app, user_id: int) -> User:
    """The user as stored now, read in a context of its own (no lock held afterwards)."""
    from onewindow.extensions import db

    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_disable_user_ends_sessions(app, users, session):
    admin = Desk(app, users["admin"])
    specialist = users["specialist"]
    other = Desk(app, specialist)
    assert other.get("/services/").status_code == 200

    r = admin.post(f"/admin/users/{specialist.id}/active", data={"active": "0"})
    assert r.status_code == 303
    old = other.get("/services/")
    assert old.status_code == 302 and "/login" in old.headers["Location"]
    refused = other.post("/login", data={"username": specialist.username,
                                         "password": DEFAULT_PASSWORD})
    assert refused.status_code != 302
    assert _fresh_user(app, specialist.id).active is False

    assert admin.post(f"/admin/users/{specialist.id}/active",
                      data={"active": "1"}).status_code == 303
    again = Desk(app, specialist)
    assert again.get("/services/").status_code == 200

    own = admin.post(f"/admin/users/{users['admin'].id}/active", data={"active": "0"})
    assert own.status_code == 409
    assert "Нельзя отключить собственную учётную запись" in own.get_data(as_text=True)
    assert _fresh_user(app, users["admin"].id).active


def test_reset_password(app, users, session):
    admin = Desk(app, users["admin"])
    user = users["archivist"]
    other = Desk(app, user)
    weak = admin.post(f"/admin/users/{user.id}/password",
                      data={"password": "short", "password2": "short"})
    assert weak.status_code == 422
    assert "не менее 10 символов" in weak.get_data(as_text=True)
    assert other.get("/services/").status_code == 200  # nothing changed

    r = admin.post(f"/admin/users/{user.id}/password",
                   data={"password": "Brand-new-pass-7", "password2": "Brand-new-pass-7"})
    assert r.status_code == 303
    assert other.get("/services/").status_code == 302
    assert Desk(app, user, "Brand-new-pass-7").get("/services/").status_code == 200


def test_role_change_and_disable_are_audited(admin_client, session, users):
    from sqlalchemy import select

    from onewindow.security.models import AuditEntry

    target = users["specialist"]
    target_id = target.id
    r = admin_client.post(f"/admin/users/{target_id}", data={
        "full_name": target.full_name, "position": "", "role": "archivist"})
    assert r.status_code in (302, 303)
    admin_client.post(f"/admin/users/{target_id}/active", data={"active": "0"})
    session.rollback()
    actions = [(e.action, e.object_id) for e in session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "user").order_by(AuditEntry.id))]
    assert ("role_change", str(target_id)) in [(a, str(o)) for a, o in actions]
    assert ("user_disable", str(target_id)) in [(a, str(o)) for a, o in actions]

"""WTForms' own messages reach the user in Russian (a tampered list value, a non-number)."""

from __future__ import annotations

from onewindow.intake.forms import RegisterFilterForm


def test_wtforms_own_messages_are_russian(app):
    with app.test_request_context("/", method="POST", data={"user_id": "абв", "day": ""}):
        form = RegisterFilterForm()
        assert not form.validate()
        message = " ".join(form.user_id.errors)
    assert "Invalid" not in message and "could not" not in message
    assert message.startswith("Неверн"), message

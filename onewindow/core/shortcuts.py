"""The app's keyboard shortcuts: one map, one meaning per key on every page.

Alt shortcuts are bound to the physical key (``KeyboardEvent.code``), not to the letter it
types, so they work whatever the layout — with ЙЦУКЕН active Alt+N types «т», and an
``accesskey="n"`` never fires. Templates mark an element with ``alt_key("new")``;
``static/js/app.js`` presses (or focuses) the visible element carrying the key's code.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ALT_KEYS", "OTHER_KEYS", "Shortcut", "alt_shortcut"]


@dataclass(frozen=True)
class Shortcut:
    code: str  # KeyboardEvent.code of the physical key
    meaning: str

    @property
    def label(self) -> str:
        """What the user presses, as printed on the key: "Alt+N", "Alt+1"."""
        return "Alt+" + self.code.removeprefix("Key").removeprefix("Digit")


ALT_KEYS: dict[str, Shortcut] = {
    "applicants": Shortcut("Digit1", "Заявители"),
    "applications": Shortcut("Digit2", "Заявления"),
    "services": Shortcut("Digit3", "Услуги"),
    "queue": Shortcut("Digit4", "Очередь"),
    "open": Shortcut("KeyO", "поле «Открыть» в шапке: номер, штрихкод"),
    "new": Shortcut("KeyN", "создать (заявителя, пользователя)"),
    "accept": Shortcut("KeyA", "принять заявление"),
    "print": Shortcut("KeyP", "печать документа страницы"),
    "edit": Shortcut("KeyE", "изменить"),
    "save": Shortcut("KeyS", "сохранить"),
}

# Keys that are not letters mean the same in every layout already.
OTHER_KEYS: list[tuple[str, str]] = [
    ("Ctrl+Enter", "отправить форму (зарегистрировать заявление)"),
    ("1–9, пробел, +/−", "перечень документов: отметить, листов больше/меньше"),
    ("F2 F3 F6 F7 F8 F9", "окно приёма: вызвать, повторить, не явился, отложить, завершить, "
                          "принять заявление"),
    ("F1", "список клавиш"),
]


def alt_shortcut(name: str) -> Shortcut:
    """The shortcut named ``name``; a template naming an unknown one fails loudly."""
    return ALT_KEYS[name]

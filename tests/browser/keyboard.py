"""Typing as a specialist does: the Russian layout active, physical keys, human speed.

Playwright's ``keyboard.type`` sends characters as if a US keyboard were plugged in; the
office's keyboards are switched to ЙЦУКЕН most of the time. These helpers send through
the DevTools protocol the key events a Russian layout produces: ``key`` is the Cyrillic
character, ``code`` the physical key (KeyG for «п»), so a handler bound to ``event.key``
or to an ``accesskey`` letter sees what it would see at the desk.
"""

from __future__ import annotations

from onewindow.core.layout import KEYS, key_for

SHIFT, ALT, CTRL = 8, 1, 2
_MODIFIER_KEYS = {ALT: ("Alt", "AltLeft", 18), CTRL: ("Control", "ControlLeft", 17),
                  SHIFT: ("Shift", "ShiftLeft", 16)}


def _cdp(page):
    session = getattr(page, "_ow_cdp", None)
    if session is None:
        session = page.context.new_cdp_session(page)
        page._ow_cdp = session
    return session


def _virtual_key(code: str) -> int:
    if code.startswith("Key"):
        return ord(code[3])
    if code.startswith("Digit"):
        return ord(code[5])
    return {"Space": 32, "Minus": 189, "Equal": 187, "Backquote": 192, "BracketLeft": 219,
            "BracketRight": 221, "Semicolon": 186, "Quote": 222, "Comma": 188, "Period": 190,
            "Slash": 191, "Backslash": 220}[code]


def press_key(page, code: str, *, modifiers: int = 0, layout: str = "ru") -> None:
    """Press one physical key (with Alt/Ctrl/Shift held) as the given layout reports it."""
    cdp = _cdp(page)
    column = (2 if layout == "ru" else 0) + (1 if modifiers & SHIFT else 0)
    char = KEYS[code][column]
    held = [m for m in (CTRL, ALT, SHIFT) if modifiers & m]
    state = 0
    for m in held:
        state |= m
        key, mcode, vk = _MODIFIER_KEYS[m]
        cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", "key": key, "code": mcode,
                                             "windowsVirtualKeyCode": vk, "modifiers": state})
    event = {"key": char, "code": code, "windowsVirtualKeyCode": _virtual_key(code),
             "modifiers": modifiers, "unmodifiedText": KEYS[code][column]}
    if modifiers & (ALT | CTRL):
        cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", **event})
    else:
        cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": char, **event})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **event})
    for m in reversed(held):
        state &= ~m
        key, mcode, vk = _MODIFIER_KEYS[m]
        cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": mcode,
                                             "windowsVirtualKeyCode": vk, "modifiers": state})


def type_ru(page, text: str, *, delay_ms: int = 60) -> None:
    """Type ``text`` key by key with the Russian layout active, ``delay_ms`` between keys.

    Latin letters cannot be typed in this layout: to press the keys of ``GAZ`` type
    ``to_cyrillic("GAZ")`` («ПФЯ»), which is what the screen then shows.
    """
    for char in text:
        code, shift = key_for(char, layout="ru")
        press_key(page, code, modifiers=SHIFT if shift else 0)
        if delay_ms:
            page.wait_for_timeout(delay_ms)

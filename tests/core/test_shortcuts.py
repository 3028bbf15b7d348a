"""The shortcut map: one meaning per physical key, labels as printed on the keys."""

from onewindow.core.shortcuts import ALT_KEYS, alt_shortcut


def test_one_meaning_per_key():
    codes = [s.code for s in ALT_KEYS.values()]
    assert len(codes) == len(set(codes))
    assert all(c.startswith(("Key", "Digit")) for c in codes)  # KeyboardEvent.code values


def test_labels_name_the_key():
    assert alt_shortcut("print").label == "Alt+P"
    assert alt_shortcut("applicants").label == "Alt+1"
    assert alt_shortcut("open").code == "KeyO"

"""The staff guides (docs/guide/*.md) name only what exists: every page address is a route
of the app, every key is handled by the templates or the scripts, every picture is there
(a PNG under 150 KB, made by docs/guide/make_screenshots.py), every link and anchor
resolves, no placeholder is left; and together they cover every shortcut of the app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from onewindow import create_app
from onewindow.core.shortcuts import ALT_KEYS

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide"
ROLES = ("specialist", "archivist", "chief", "director", "admin")
MAX_IMAGE = 150 * 1024

PATH_RE = re.compile(r"`(/[^`\s]*)`")
KBD_RE = re.compile(r"<kbd>([^<]+)</kbd>")
IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
LINK_RE = re.compile(r"(?<!!)\[[^\]]+\]\(([^)\s]+)\)")
PLACEHOLDER_RE = re.compile(
    r"TODO|TBD|FIXME|XXX|lorem|ipsum|\?\?\?|<!--|\{\{|заглушк|дописать|вставить сюда"
    r"|скриншот будет|здесь будет", re.IGNORECASE)

TEMPLATES = "\n".join(p.read_text(encoding="utf-8")
                      for p in sorted((ROOT / "templates").rglob("*.html")))
SCRIPTS = "\n".join(p.read_text(encoding="utf-8")
                    for p in sorted((ROOT / "static" / "js").glob("*.js")))

# Keys that are not Alt or F keys, and where the scripts handle each (a regex over them).
HANDLED = {
    "Ctrl+Enter": r'key === "Enter" && \(ev\.ctrlKey',
    "Enter": r'key !== "Enter"|key === "Enter" && all\.length',
    "Esc": r'key === "Escape"',
    "↓": r'key === "ArrowDown"',
    "↑": r'key === "ArrowUp"',
    "+": r'code === "Equal"',
    "−": r'code === "Minus"',
    "J": r'key === "j"',
    "K": r'key === "k"',
    "Y": r'key === "y"',
    "N": r'key === "n"',
    "C": r'key === "c"',
    **{str(d): r"\(\[1-9\]\)\$|\^\[1-9\]\$" for d in range(1, 10)},
}


def guides() -> dict[str, str]:
    return {role: (GUIDE / f"{role}.md").read_text(encoding="utf-8") for role in ROLES}


@pytest.fixture(scope="module")
def url_adapter(tmp_path_factory):
    database = tmp_path_factory.mktemp("guides") / "unused.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                      "SECRET_KEY": "guides", "SERVER_NAME": "localhost"})
    return app.url_map.bind("localhost")


def key_handled(key: str) -> bool:
    """Whether the app answers ``key`` (as a guide writes it in <kbd>)."""
    if key.startswith("Alt+"):
        names = [name for name, s in ALT_KEYS.items() if s.label == key]
        return bool(names) and re.search(rf"alt_key\(['\"]{names[0]}['\"]\)", TEMPLATES) is not None
    if key == "F1":
        return '"F1"' in SCRIPTS and 'id="shortcut-help"' in TEMPLATES
    if re.fullmatch(r"F\d{1,2}", key):
        # The desk's buttons: data-shortcut="F8", or the act() macro's 'F8'; queue.js presses them.
        return ("data-shortcut" in SCRIPTS
                and re.search(rf"data-shortcut=\"{key}\"|, '{key}'", TEMPLATES) is not None)
    pattern = HANDLED.get(key)
    return pattern is not None and re.search(pattern, SCRIPTS) is not None


def test_there_is_a_guide_per_role_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    top = readme.split("\n## ", 1)[0]  # linked at the top, before the developer sections
    for role in ROLES:
        assert (GUIDE / f"{role}.md").is_file(), role
        assert f"docs/guide/{role}.md" in top, f"README does not link {role}.md at the top"


def test_every_address_named_is_a_page_of_the_app(url_adapter):
    named = 0
    for role, text in guides().items():
        for path in PATH_RE.findall(text):
            path = path.split("?", 1)[0].split("#", 1)[0]
            named += 1
            try:
                url_adapter.match(path, method="GET")
            except RequestRedirect as redirect:
                pytest.fail(f"{role}.md: {path} redirects to {redirect.new_url}")
            except (NotFound, MethodNotAllowed):
                pytest.fail(f"{role}.md: {path} is no page of the app")
    assert named > 20


def test_the_address_check_catches_a_wrong_one(url_adapter):
    with pytest.raises(NotFound):
        url_adapter.match("/archive/scanner", method="GET")
    with pytest.raises(RequestRedirect):
        url_adapter.match("/archive", method="GET")


def test_every_key_named_is_handled_by_the_app():
    for role, text in guides().items():
        for key in KBD_RE.findall(text):
            assert key_handled(key), f"{role}.md names <kbd>{key}</kbd>, which nothing handles"
    assert not key_handled("Alt+Z") and not key_handled("F4") and not key_handled("Q")


def test_the_guides_cover_every_shortcut():
    named = {key for text in guides().values() for key in KBD_RE.findall(text)}
    every = {s.label for s in ALT_KEYS.values()}
    every |= set(re.findall(r'data-shortcut="(F\d+)"', TEMPLATES))
    every |= set(re.findall(r", '(F\d+)'", TEMPLATES)) | {"F1", "Ctrl+Enter"}
    assert every - named == set()


def test_every_picture_is_there_and_small():
    used = set()
    for role, text in guides().items():
        images = IMAGE_RE.findall(text)
        assert images, f"{role}.md has no screenshot"
        for alt, target in images:
            path = (GUIDE / target).resolve()
            assert alt.strip(), f"{role}.md: {target} has no description"
            assert path.is_file(), f"{role}.md: {target} does not exist"
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", target
            assert path.stat().st_size < MAX_IMAGE, f"{target}: {path.stat().st_size} bytes"
            used.add(path.name)
    made = {p.name for p in (GUIDE / "img").glob("*.png")}
    assert made - used == set(), "pictures no guide shows"
    script = (GUIDE / "make_screenshots.py").read_text(encoding="utf-8")
    for name in made:
        assert f'Shot("{name.removesuffix(".png")}"' in script, f"{name} is made by no Shot"


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    kept = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return kept.replace(" ", "-")


def test_every_link_between_the_guides_resolves():
    for role, text in guides().items():
        for target in LINK_RE.findall(text):
            if target.startswith(("http://", "https://")):
                continue
            file, _, anchor = target.partition("#")
            linked = (GUIDE / file).read_text(encoding="utf-8") if file else text
            if anchor:
                headings = {_anchor(h) for h in re.findall(r"^#+ (.+)$", linked, re.M)}
                assert anchor in headings, f"{role}.md: #{anchor} is no heading of {file}"


def test_no_placeholder_is_left():
    for role, text in guides().items():
        found = PLACEHOLDER_RE.search(text)
        assert found is None, f"{role}.md: «{found.group(0)}» left in"
        assert "](img/" in text  # pictures are linked relatively, so they show on any host
    assert PLACEHOLDER_RE.search("Тут TODO: дописать") is not None

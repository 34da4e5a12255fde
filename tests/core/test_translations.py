"""The English catalogue: every entry translated, the committed .mo compiled from the .po, every
marked string of the code in the catalogue, and pages for an English user free of Chinese chrome.

When a test here fails after you added or changed interface text: run `make messages`, translate
the new entries in locale/en/LC_MESSAGES/django.po (remove any "#, fuzzy"), run `make messages`
again to compile, and commit django.po and django.mo together.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.helpers import make_user
from tests.workflow.conftest import at, bpmn_bytes
from xiaobao.core.models import OrgUnit, Role, User
from xiaobao.workflow import services
from xiaobao.workflow.models import HumanTask, ProcessDefinition, Transition

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES"
PO = CATALOGUE / "django.po"
MO = CATALOGUE / "django.mo"
# What `make messages` scans that can hold marked strings (it ignores tests/, scripts/, vendor code).
SOURCES = ("xiaobao", "templates", "manage.py")
REFRESH = (
    "run `make messages`, translate the new entries in locale/en/LC_MESSAGES/django.po "
    '(no "#, fuzzy" left), run `make messages` again to compile, and commit django.po and django.mo'
)

# Han ideographs, CJK punctuation and full-width forms: what an untranslated Chinese label leaves behind.
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# printf-style (%s, %(name)s, %d…) and str.format-style ({name}, {0}) placeholders; "%%" is a literal.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|\{\w*(?:![rsa])?(?::[^{}]*)?\}")


# --- a small .po reader (no new dependency) -------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid

    def label(self) -> str:
        where = f"django.po line {self.line}: "
        return where + (f"[{self.msgctxt}] " if self.msgctxt else "") + repr(self.msgid)


def read_po(path: Path) -> list[Entry]:
    """Entries of a .po file as gettext tools write it (blank-line separated), header first; obsolete
    "#~" entries are left out."""
    entries = []
    text = path.read_text(encoding="utf-8")
    line_no = 1
    for block in re.split(r"\n[ \t]*\n", text):
        first_line, line_no = line_no, line_no + block.count("\n") + 2
        entry, target = Entry(line=first_line), None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith('"') and target is not None:
                target[0][target[1]] += ast.literal_eval(line)
            elif line and not line.startswith("#"):
                keyword, _, rest = line.partition(" ")
                plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if plural or keyword == "msgstr":
                    target = (entry.msgstr, int(plural.group(1)) if plural else 0)
                else:
                    target = (entry.__dict__, keyword)
                target[0][target[1]] = ast.literal_eval(rest)
        if target is not None:
            entries.append(entry)
    return entries


def messages(path: Path) -> list[Entry]:
    return [e for e in read_po(path) if e.msgid != ""]


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


def po_as_catalogue(entries: list[Entry]) -> dict:
    """What msgfmt puts in a .mo, as gettext.GNUTranslations reads it back: translated, non-fuzzy entries."""
    catalogue = {}
    for e in entries:
        if ("fuzzy" in e.flags and e.msgid != "") or not all(e.msgstr.values()):
            continue
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        if e.msgid_plural is None:
            catalogue[key] = e.msgstr[0]
        else:
            catalogue.update({(key, n): text for n, text in e.msgstr.items()})
    return catalogue


def mo_catalogue(path: Path) -> dict:
    with path.open("rb") as fp:
        return dict(gettext.GNUTranslations(fp)._catalog)


# --- (a) the .po is complete ---------------------------------------------------------------


def test_the_reader_sees_the_whole_catalogue():
    entries = read_po(PO)
    assert entries[0].msgid == "" and "Language: en" in entries[0].msgstr[0]
    assert len(entries) - 1 == len(re.findall(r"^msgid ", PO.read_text(encoding="utf-8"), re.M)) - 1
    assert len(entries) > 200


def test_every_entry_has_an_english_translation():
    untranslated = [e.label() for e in messages(PO) if not all(text.strip() for text in e.msgstr.values())]
    assert not untranslated, f"{len(untranslated)} untranslated entries; {REFRESH}:\n" + "\n".join(untranslated)


def test_no_entry_is_fuzzy():
    fuzzy = [e.label() or "header" for e in read_po(PO) if "fuzzy" in e.flags]
    assert not fuzzy, "fuzzy entries are not compiled; check the translation and delete the flag:\n" + "\n".join(fuzzy)


def test_translations_are_english():
    chinese = [f"{e.label()} -> {text!r}" for e in messages(PO) for text in e.msgstr.values() if CHINESE.search(text)]
    assert not chinese, "these translations still contain Chinese:\n" + "\n".join(chinese)


def test_placeholders_survive_translation():
    broken = []
    for e in messages(PO):
        for n, text in e.msgstr.items():
            source = e.msgid if n == 0 or e.msgid_plural is None else e.msgid_plural
            if placeholders(source) != placeholders(text):
                broken.append(f"{e.label()}: {sorted(placeholders(source).elements())} != {text!r}")
    assert not broken, "placeholders differ between msgid and msgstr:\n" + "\n".join(broken)


def test_the_placeholder_check_can_fail():
    assert placeholders("已改派给 %(name)s。") != placeholders("Reassigned to %(nome)s.")
    assert placeholders("剩余 {left}") != placeholders("left")
    assert placeholders("100%% 完成") == placeholders("100%% done")


# --- (b) the committed .mo is the compiled .po -----------------------------------------------


def test_the_committed_mo_holds_exactly_the_po():
    # Pure Python, so it runs everywhere: `make demo` works without GNU gettext only if this holds.
    # The header ("") is left out: msgfmt drops some of its lines (POT-Creation-Date).
    compiled = {k: v for k, v in mo_catalogue(MO).items() if k != ""}
    expected = {k: v for k, v in po_as_catalogue(read_po(PO)).items() if k != ""}
    assert compiled == expected, f"django.mo is stale; {REFRESH}"


def test_msgfmt_compiles_the_po_to_the_committed_mo(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt not installed (GNU gettext); CI installs it")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(PO)], check=True, capture_output=True)
    assert mo_catalogue(fresh) == mo_catalogue(MO), f"django.mo is stale; {REFRESH}"


def test_django_serves_the_catalogue():
    # LOCALE_PATHS finds the catalogue and no other catalogue shadows an entry of ours.
    entries = [e for e in messages(PO) if e.msgid_plural is None]
    with translation.override("en"):
        served = {
            e.key: translation.pgettext(e.msgctxt, e.msgid) if e.msgctxt else translation.gettext(e.msgid)
            for e in entries
        }
    assert served == {e.key: e.msgstr[0] for e in entries}
    with translation.override("zh-hans"):
        assert translation.gettext("待办任务") == "待办任务"


# --- (c) the catalogue covers every marked string of the code ----------------------------------


def extract_marked_strings(dest: Path) -> list[Entry]:
    """Run makemessages over a copy of the sources (the real catalogue stays untouched)."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale"))
        else:
            shutil.copy2(source, dest / name)
    (dest / "locale").mkdir()
    env = {**os.environ, "XIAOBAO_TESTING": "1", "XIAOBAO_VAR_DIR": str(dest / "var")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-location", "--ignore=var"],
        cwd=dest,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return messages(dest / "locale" / "en" / "LC_MESSAGES" / "django.po")


@pytest.fixture(scope="module")
def code_strings(tmp_path_factory):
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext not installed (GNU gettext); CI installs it")
    return extract_marked_strings(tmp_path_factory.mktemp("messages"))


def test_the_catalogue_has_every_marked_string(code_strings):
    known = {e.key for e in messages(PO)}
    missing = [(f"[{e.msgctxt}] " if e.msgctxt else "") + repr(e.msgid) for e in code_strings if e.key not in known]
    listing = "\n".join(missing)
    assert not missing, f"{len(missing)} marked strings are not in the English catalogue; {REFRESH}:\n{listing}"


def test_the_extraction_sees_the_code(code_strings):
    # Guards the check above against passing vacuously: strings from Python, templates and contexts are found.
    keys = {e.key for e in code_strings}
    assert {(None, "待办任务"), (None, "机构"), (None, "跳到正文"), ("button", "认领")} <= keys


# --- (d) pages for an English user -------------------------------------------------------------


class PageText(HTMLParser):
    """Text a person sees or hears: text nodes (not scripts or styles) and the labelling attributes."""

    SPOKEN = {"title", "aria-label", "placeholder", "alt", "data-error-text"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.nav: list[str] = []
        self.lang = ""
        self._skip = 0
        self._in_nav = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang", "")
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "nav" and "sidenav" in (attrs.get("class") or ""):
            self._in_nav = True
        for name in self.SPOKEN:
            if attrs.get(name):
                self.chunks.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.chunks.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "nav":
            self._in_nav = False

    def handle_data(self, data):
        if self._skip or not data.strip():
            return
        self.chunks.append(data.strip())
        if self._in_nav:
            self.nav.append(data.strip())


def read_page(html: str) -> PageText:
    parser = PageText()
    parser.feed(html)
    parser.close()
    return parser


def content_strings() -> list[str]:
    """Data, not interface: names of people, org units, roles, and what BPMN models name (tasks, fields)."""
    names = [str(u) for u in User.objects.all()] + list(OrgUnit.objects.values_list("name", flat=True))
    names += list(Role.objects.values_list("name", flat=True))
    names += list(ProcessDefinition.objects.values_list("name", flat=True))
    names += list(HumanTask.objects.values_list("name", flat=True))
    names += list(Transition.objects.values_list("element_name", flat=True))
    # indicator definitions are a code table edited in admin (the 工作台 shows the key ones by name)
    from xiaobao.indicators.models import IndicatorDefinition

    names += list(IndicatorDefinition.objects.values_list("name", flat=True))
    for form in HumanTask.objects.values_list("form", flat=True):
        names += [f["label"] for f in form or []]
        names += [label for f in form or [] for _, label in f.get("choices") or []]
    return sorted({n for n in names if n}, key=len, reverse=True)


def leftover_chinese(page: PageText) -> list[str]:
    """Chunks still holding Chinese once content is taken out; the language toggle reads 中文 on purpose."""
    content = content_strings()
    leftovers = []
    for chunk in page.chunks:
        if chunk == "中文":
            continue
        rest = chunk
        for name in content:
            rest = rest.replace(name, "")
        if CHINESE.search(rest):
            leftovers.append(chunk)
    return leftovers


MONDAY = at(2025, 3, 3, 10, 0)


@pytest.fixture
def process(cast):
    """A review in 北京分公司, overdue and marked so by the sweep: badges, history and a system comment."""
    applicant = make_user("applicant", cast.sub_a, None, "王客户")
    services.deploy(content=bpmn_bytes("approval_xiaobao.bpmn"), source="tests/approval_xiaobao.bpmn")
    instance = services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a, now=MONDAY)
    submit = HumanTask.objects.get(instance=instance, element_id="submit")
    services.complete(task=submit, user=cast.officer_a, now=MONDAY)
    services.sweep_timers(now=at(2025, 3, 20, 10, 0))
    return HumanTask.objects.get(instance=instance, element_id="review")


def client_for(user, language: str) -> Client:
    User.objects.filter(pk=user.pk).update(language=language)
    client = Client()
    client.force_login(user)
    return client


def english_pages(task) -> list[str]:
    return [
        "/",
        reverse("workflow:inbox") + "?box=group",
        reverse("workflow:inbox") + "?box=done",
        reverse("workflow:task", args=[task.pk]),
        reverse("workflow:instance", args=[task.instance_id]),
        reverse("workflow:definitions"),
        reverse("web:coming", kwargs={"module": "reports"}),
    ]


def test_an_english_user_sees_english_navigation(cast):
    page = read_page(client_for(cast.officer_a, "en").get("/").content.decode())
    with translation.override("en"):
        inbox_label = translation.gettext("待办任务")
    assert page.lang == "en"
    assert inbox_label != "待办任务" and not CHINESE.search(inbox_label)
    assert inbox_label in " ".join(page.nav)
    assert not any(CHINESE.search(text) for text in page.nav), page.nav


@pytest.mark.parametrize("index", range(7), ids=["home", "inbox", "done", "task", "instance", "definitions", "coming"])
def test_english_pages_have_no_chinese_chrome(cast, process, index):
    url = english_pages(process)[index]
    response = client_for(cast.officer_a, "en").get(url)
    assert response.status_code == 200, url
    page = read_page(response.content.decode())
    assert page.lang == "en"
    leftovers = leftover_chinese(page)
    assert not leftovers, f"{url} shows untranslated interface text to an English user: {leftovers}"


def test_the_sweep_shows_in_the_history_in_english(cast, process):
    # The sweep writes its comment once, in no one's language; the page translates it for the reader.
    page = read_page(client_for(cast.officer_a, "en").get(reverse("workflow:task", args=[process.pk])).content.decode())
    with translation.override("en"):
        assert translation.gettext("已逾期，督办") in page.chunks
        assert "· " + translation.gettext("系统") in page.chunks


def test_the_check_catches_a_chinese_page(cast, process):
    # The same page in the default language must fail the check above, or the check proves nothing.
    page = read_page(client_for(cast.officer_a, "").get(reverse("workflow:task", args=[process.pk])).content.decode())
    assert page.lang == "zh-hans"
    assert "待办任务" in page.nav
    assert "流转记录" in leftover_chinese(page)


def test_the_language_toggle_switches_the_interface(cast):
    client = client_for(cast.officer_a, "")
    assert "待办任务" in read_page(client.get("/").content.decode()).nav
    client.post(reverse("core:language"), {"language": "en"})
    page = read_page(client.get("/").content.decode())
    assert page.lang == "en" and not any(CHINESE.search(text) for text in page.nav)

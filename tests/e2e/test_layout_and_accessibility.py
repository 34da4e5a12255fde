"""The main pages on a phone and to an accessibility audit, as the roles that use them.

One world (tests/access_matrix/world.py: one object of each kind, made through the services), one test: each
page is opened once in standard mode at desktop width and audited with axe-core (vendored under
static/vendor/axe-core), once at 390px wide (no sideways page scroll, the menu button opens the navigation,
a screenshot), and once in care mode (audited again). Serious and critical axe findings fail the test."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.access_matrix.world import build_world
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.test_reviews import allow_pdf_viewer
from xiaobao.core import services

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
BLOCKING = {"serious", "critical"}

# WCAG 2.1 A and AA rules plus axe's best practices (landmarks, one h1, regions).
AXE_RUN = """
async () => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + (n.failureSummary || "").slice(0, 160)),
  }));
}
"""


def audit(page, where: str) -> list[str]:
    """axe's serious and critical findings on the page as it stands, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(AXE_RUN)
    return [
        f"{where}: {v['impact']} {v['id']} ({v['help']}) {json.dumps(v['nodes'], ensure_ascii=False)}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def main_pages(w) -> dict[str, list[tuple[str, str]]]:
    """username -> [(name, url)]: each page as the role that works on it."""
    return {
        w.officer_a.username: [
            ("home", reverse("web:home")),
            ("complaint-list", reverse("complaints:list")),
            ("complaint-detail", w.complaint.get_absolute_url()),
            ("workorder-list", reverse("workorders:list")),
            ("inbox", reverse("workflow:inbox")),
            ("knowledge-search", reverse("knowledge:search") + "?q=双录"),
            ("knowledge-directory", reverse("knowledge:search")),
            ("notifications", reverse("core:notifications")),
        ],
        w.reviewer.username: [("review-detail", w.review.get_absolute_url())],
        w.hq_admin.username: [("cockpit", reverse("indicators:dashboard")), ("exams", reverse("training:exams"))],
        w.inspector.username: [("inspection-workbench", reverse("inspection:list") + "?status=")],
    }


def set_care_mode(page, on: bool) -> None:
    pressed = page.get_by_test_id("care-toggle").get_attribute("aria-pressed") == "true"
    if pressed != on:
        with page.expect_navigation():
            page.get_by_test_id("care-toggle").click()


def put_back_code_tables() -> None:
    """Review form types and the inspection rules are seed data from migrations, which an earlier live-server
    test's flush removes; they are put back as the migrations write them (the loaders skip what is present)."""
    from xiaobao.reviews.models import FormType

    if not FormType.objects.exists():
        importlib.import_module("xiaobao.reviews.migrations.0002_seed_form_types").seed(apps, None)
    importlib.import_module("xiaobao.inspection.migrations.0002_shipped_rules").load(apps, None)


def test_main_pages_fit_a_phone_and_pass_the_accessibility_audit(new_page, transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    put_back_code_tables()
    w = build_world()
    # enough notices of one kind to make a digest, so the audit sees that row too
    start = timezone.now() - timedelta(hours=1)
    for i in range(settings.NOTIFICATION_DIGEST_AFTER + 2):
        services.notify(recipients=[w.officer_a], kind="workflow.overdue", title=f"任务逾期 {i}", now=start)
    findings, overflow = [], []
    for username, pages in main_pages(w).items():
        page = new_page()
        allow_pdf_viewer(page)  # a PDF opened as the original uses the browser's own viewer (chrome:// parts)
        page.goto("/accounts/login/", timeout=60_000)  # the first page of a run may be slow (cold server)
        log_in(page, username)
        for care in (False, True):
            set_care_mode(page, care)
            mode = "care" if care else "standard"
            page.set_viewport_size(DESKTOP)
            for name, url in pages:
                page.goto(url)
                findings += audit(page, f"{name} ({mode}, {username})")
            if care:
                continue
            # a phone: the page never scrolls sideways and the menu opens
            page.set_viewport_size(PHONE)
            for name, url in pages:
                page.goto(url)
                widths = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
                if widths[0] > widths[1]:
                    wide = page.evaluate(
                        """() => [...document.querySelectorAll('body *')]
                          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
                          .slice(0, 5).map((el) => el.tagName + '.' + el.className)"""
                    )
                    overflow.append(f"{name}: {widths[0]}px wide on a {widths[1]}px screen; {wide}")
                screenshot(page, f"phone-390-{name}")
            nav, toggle = page.locator("#sidenav"), page.get_by_test_id("menu-toggle")
            expect(nav).to_be_hidden()
            expect(toggle).to_have_attribute("aria-expanded", "false")
            toggle.click()
            expect(nav).to_be_visible()
            expect(toggle).to_have_attribute("aria-expanded", "true")
            expect(nav.locator("a").first).to_be_focused()
            screenshot(page, f"phone-390-menu-{username}")
            toggle.click()
            expect(nav).to_be_hidden()
            expect(toggle).to_have_attribute("aria-expanded", "false")
        set_care_mode(page, False)
    assert not overflow, "pages wider than a 390px phone:\n" + "\n".join(overflow)
    assert not findings, "serious or critical accessibility findings:\n" + "\n".join(findings)

"""Chinese tables at desktop width (issue 21 point 7): no column header breaks inside a word, and the short
columns — numbers (GD…, TS…), dates, coded values — stay on one line, in each main list as the role that
works on it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.access_matrix.world import build_world
from tests.e2e.conftest import log_in
from tests.e2e.test_layout_and_accessibility import put_back_code_tables

pytestmark = pytest.mark.e2e

SMALL_DESKTOP = {"width": 1024, "height": 768}  # the narrowest desktop people work at: where columns get tight

# every header cell, and every cell marked short (code, nowrap, num), that spans more than one line (a deadline
# with its countdown badge may put the badge under the date: that is a break between words, not inside one)
WRAPPED = """
() => {
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom))).size;
  };
  const cells = [...document.querySelectorAll(
    'table.list th, table.list td.code, table.list td.nowrap:not(:has(.badge)), table.list td.num')];
  return {
    seen: cells.filter((el) => el.tagName === 'TH').length,
    wrapped: cells.filter((el) => el.textContent.trim() && lines(el) > 1)
      .slice(0, 5).map((el) => el.tagName + '.' + el.className + ': ' + el.textContent.trim().slice(0, 30)),
  };
}
"""


def lists(w) -> dict[str, list[str]]:
    return {
        w.officer_a.username: [
            reverse("complaints:list") + "?box=all",
            reverse("workorders:list") + "?box=all",
            reverse("knowledge:search"),
        ],
        w.hq_admin.username: [
            reverse("reviews:list") + "?box=all",
            reverse("plans:list"),
            reverse("training:exams"),
            reverse("training:sessions"),
            reverse("training:assignments"),
        ],
        w.inspector.username: [
            reverse("inspection:list") + "?status=",
            reverse("inspection:interactions"),
            reverse("inspection:outbound"),
        ],
    }


def test_no_table_header_or_short_column_wraps_at_desktop_width(new_page, transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    put_back_code_tables()
    w = build_world()
    wrapped, headers = [], 0
    for username, urls in lists(w).items():
        page = new_page()
        page.goto("/accounts/login/", timeout=60_000)
        log_in(page, username)
        page.set_viewport_size(SMALL_DESKTOP)
        for url in urls:
            page.goto(url)
            found = page.evaluate(WRAPPED)
            headers += found["seen"]
            wrapped += [f"{url}: {cell}" for cell in found["wrapped"]]
    assert headers > 40  # the lists had their tables (and headers) to look at
    assert not wrapped, "cells broken over lines:\n" + "\n".join(wrapped)

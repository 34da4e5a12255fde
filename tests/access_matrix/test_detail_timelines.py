"""The timelines on the complaint, review, work-order and plan pages show what changed as labelled business
fields with formatted times — never the engine's variable names or ISO timestamps (issue 21 point 4)."""

from __future__ import annotations

import re

import pytest

from tests.access_matrix.world import client_of
from xiaobao.workflow import labels
from xiaobao.workflow import selectors as workflow_selectors

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("kind", ["complaint", "review", "workorder", "plan"])
def test_the_detail_pages_timeline_shows_labelled_changes(world, db, kind):
    obj = getattr(world, kind)
    html = client_of(world, "hq_admin", False).get(obj.get_absolute_url()).content.decode()
    assert 'data-testid="timeline"' in html
    timeline = html.split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0]
    steps = workflow_selectors.timeline_for_object(world.hq_admin, obj).exclude(changes={})
    shown = labels.label_history(steps)
    expected = [change for step in shown for change in step.fields]
    assert expected, f"the world's {kind} has no labelled change to show: the test would prove nothing"
    assert 'data-testid="timeline-fields"' in timeline
    text = _text(timeline)
    for change in expected:
        assert change.label in text and change.after in text
    raw = {name for step in steps for name in step.changes}
    assert not [name for name in raw if f">{name}<" in timeline or f" {name} " in text]
    assert not ISO.search(text), ISO.search(text)

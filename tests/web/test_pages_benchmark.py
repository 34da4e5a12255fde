"""benchmarks/pages.py keeps working: its seeder writes valid rows the pages read, and one measurement loop runs
against a live server (tiny sizes, nothing timed: the figures come from the benchmark itself)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from benchmarks import pages
from benchmarks.pages_urls import BARE_PATH
from xiaobao.complaints.models import Complaint
from xiaobao.complaints.selectors import complaints_visible_to
from xiaobao.knowledge.models import Document
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow.models import HumanTask, ProcessInstance

ROWS = 80


@pytest.fixture
def site(transactional_db, settings):
    settings.ROOT_URLCONF = "benchmarks.pages_urls"
    return pages.seed(ROWS, documents=4)


def test_the_seeder_writes_complaints_with_their_open_processes(site):
    seeded = Complaint.objects.filter(number__startswith="PB")
    assert seeded.count() == ROWS
    open_ = seeded.filter(status__in=("registered", "handling"))
    assert open_.exists()
    running = ProcessInstance.objects.filter(
        status=ProcessInstance.Status.RUNNING, object_id__in=[str(pk) for pk in open_.values_list("pk", flat=True)]
    )
    # each open complaint has its one running process with one open task, at its own unit
    assert running.count() == open_.count() == site.counts["instances"]
    assert HumanTask.objects.filter(instance__in=running, status=HumanTask.Status.OPEN).count() == open_.count()
    for complaint in open_[:5]:
        task = HumanTask.objects.get(instance__object_id=str(complaint.pk), status=HumanTask.Status.OPEN)
        assert task.org_unit_id == complaint.org_unit_id
        assert task.element_id == ("accept" if complaint.status == "registered" else "handle")
    # the measured officer sees his branch's share, and the group tasks of it in his inbox
    assert 0 < complaints_visible_to(site.officer, {"box": "all"}).count() < Complaint.objects.count()
    assert workflow_selectors.inbox(site.officer, {"box": "group"}).exists()
    assert Document.objects.filter(current_version__isnull=False).count() == 4


def test_one_measurement_loop_runs_against_a_live_server(site, live_server):
    url = urlparse(live_server.url)
    measured = pages.measure(url.hostname, url.port, BARE_PATH, pages.paths(site), clients=1, seconds=0.2, rounds=1)
    assert set(measured) == set(pages.paths(site))
    for name, result in measured.items():
        # every request answered 200 (a refused or broken page would count as a failure, not as speed)
        assert result["page"]["failures"] == 0, name
        assert result["bare"]["failures"] == 0, name
        assert result["page"]["requests"] > 0 and result["bare"]["requests"] > 0, name
        assert result["ratio"] > 0, name

"""Knowledge search relevance on the two relevance sets (issue 18): MRR@10, recall@5, hit@5, article-level
MRR@10, FAQ-answer MRR@10 and no-answer precision/recall, over the demo corpus, asked as the demo agent.

Run: `.venv/bin/python benchmarks/knowledge_relevance.py [--misses]` (SQLite in a temp dir), or with
`--database-url postgres://...` for PostgreSQL (a throwaway test database is created and dropped).
Set 1 is tests/knowledge/relevance_set.py (written with the engine, and it calibrates the no-answer
threshold); set 2 is tests/knowledge/relevance_set_agents.py (written apart, agent language, articles of
long laws; the development set of the third round); set 3 is tests/knowledge/relevance_set_heldout.py (held
out: written before that round, never used to choose anything); set 4 is tests/knowledge/relevance_set_fresh.py
(held out too: written at stop 29 before that stop's changes, without running search on it). Prints JSON with the goals beside the figures; `--misses` adds each question outside the top 5.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for i, arg in enumerate(sys.argv):
    if arg == "--database-url" and i + 1 < len(sys.argv):
        os.environ["DATABASE_URL"] = sys.argv[i + 1]
    elif arg.startswith("--database-url="):
        os.environ["DATABASE_URL"] = arg.split("=", 1)[1]
os.environ.setdefault("XIAOBAO_TESTING", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaobao.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["XIAOBAO_VAR_DIR"] = tempfile.mkdtemp(prefix="xiaobao-relevance-")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

GOALS = {"mrr@10": 0.85, "article_mrr@10": 0.75, "no_answer_precision": 0.8, "no_answer_recall": 0.6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="postgres://... (default: DATABASE_URL, else SQLite in a temp dir)")
    parser.add_argument("--misses", action="store_true", help="list the questions outside the top 5")
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="print the no-answer threshold curve on set 1 (the threshold is chosen there, never on set 2)",
    )
    args = parser.parse_args()
    if connection.vendor == "postgresql":
        old = setup_databases(verbosity=0, interactive=False)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        old = None
    try:
        from tests.knowledge import (
            relevance_set,
            relevance_set_agents,
            relevance_set_fresh,
            relevance_set_heldout,
        )
        from tests.knowledge.relevance_eval import measure
        from xiaobao.core.models import User
        from xiaobao.demo import core as core_demo
        from xiaobao.demo import knowledge as demo

        core_demo.load()
        demo.load(history=False)
        agent = User.objects.get(username="agent")
        if args.calibrate:
            from tests.knowledge.relevance_eval import calibrate

            print(json.dumps(calibrate(agent, relevance_set.QUESTIONS, relevance_set.NO_ANSWER), indent=2))
            return
        sets = {
            "set1_own": measure(agent, relevance_set.QUESTIONS, relevance_set.NO_ANSWER),
            "set2_agents": measure(agent, relevance_set_agents.QUESTIONS, relevance_set_agents.NO_ANSWER),
            "set3_heldout": measure(agent, relevance_set_heldout.QUESTIONS, relevance_set_heldout.NO_ANSWER),
            "set4_fresh": measure(agent, relevance_set_fresh.QUESTIONS, relevance_set_fresh.NO_ANSWER),
        }
    finally:
        if old is not None:
            connection.close()
            teardown_databases(old, verbosity=0)
    if not args.misses:
        for figures in sets.values():
            figures.pop("search_misses")
            figures.pop("answer_misses")
    print(
        json.dumps(
            {"benchmark": "knowledge_relevance", "backend": connection.vendor, "goals": GOALS, **sets},
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()

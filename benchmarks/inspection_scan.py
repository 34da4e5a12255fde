"""Inspection scan: the scanner service vs raw pyahocorasick over the same transcripts and phrases, in one run.

Run: `.venv/bin/python benchmarks/inspection_scan.py [--transcripts N] [--seed S]`.
Generates N transcripts (default 100,000) of about 300 characters with the demo generator (calls, chats,
video sessions, 双录; clean and violating), compiles the shipped rule set (fixtures/rules.json) as the
scanner service compiles the published rules, then times, on the same texts:
  service  RuleSet.scan(turns, kind, purpose) per transcript — joins the turns, one automaton pass, the
           speaker, negation, exception, proximity and disclosure decisions, the hits as objects;
  raw      one pyahocorasick automaton over the same set of phrases, `iter()` over each transcript's text
           with every match consumed (the floor any Aho-Corasick scanner pays).
Each side is timed three times, interleaved; the best of each counts. Prints JSON: transcripts/s of both,
the ratio service/raw (goal >= 0.5), mean characters, hits found, and the automaton the service used.
Needs no database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XIAOBAO_TESTING", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaobao.settings")

import django  # noqa: E402

django.setup()

import ahocorasick  # noqa: E402

from xiaobao.demo import inspection_data as demo_data  # noqa: E402
from xiaobao.inspection import scanner, scanning  # noqa: E402

ROUNDS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()

    items = json.loads((ROOT / "xiaobao" / "inspection" / "fixtures" / "rules.json").read_text("utf-8"))["rules"]
    ruleset = scanner.RuleSet(scanning.compile_rules(items))
    phrases = sorted(
        {
            p
            for r in ruleset.rules
            for key in ("phrases", "first", "second", "exceptions")
            for p in r.definition.get(key, ())
        }
        | {p for r in ruleset.rules for item in r.definition.get("required", ()) for p in item["any"]}
    )
    raw = ahocorasick.Automaton()
    for index, phrase in enumerate(phrases):
        raw.add_word(phrase, index)
    raw.make_automaton()

    r = random.Random(args.seed)
    cases = []
    for _ in range(args.transcripts):
        s = demo_data.scenario(r)
        turns = demo_data.transcript(
            r, kind=s["kind"], purpose=s["purpose"], violation=s["violation"], complaint=s["complaint"], pii=s["pii"]
        )
        cases.append((turns, s["kind"], s["purpose"], scanner.SEPARATOR.join(t["text"] for t in turns)))
    chars = sum(len(c[3]) for c in cases) / len(cases)

    def run_service() -> tuple[float, int]:
        started = time.perf_counter()
        hits = 0
        for turns, kind, purpose, _text in cases:
            hits += len(ruleset.scan(turns, kind=kind, purpose=purpose))
        return time.perf_counter() - started, hits

    def run_raw() -> tuple[float, int]:
        started = time.perf_counter()
        matches = 0
        for _turns, _kind, _purpose, text in cases:
            for _match in raw.iter(text):
                matches += 1
        return time.perf_counter() - started, matches

    service_times, raw_times = [], []
    hits = matches = 0
    for _ in range(ROUNDS):
        elapsed, hits = run_service()
        service_times.append(elapsed)
        elapsed, matches = run_raw()
        raw_times.append(elapsed)
    service_tps = len(cases) / min(service_times)
    raw_tps = len(cases) / min(raw_times)
    print(
        json.dumps(
            {
                "benchmark": "inspection_scan",
                "transcripts": len(cases),
                "mean_chars": round(chars, 1),
                "rules": len(ruleset.rules),
                "phrases": len(phrases),
                "engine": scanner.engine_name(),
                "service_transcripts_per_s": round(service_tps),
                "raw_pyahocorasick_transcripts_per_s": round(raw_tps),
                "ratio": round(service_tps / raw_tps, 3),
                "goal_ratio": 0.5,
                "service_hits": hits,
                "raw_matches": matches,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

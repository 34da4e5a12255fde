"""The knowledge demo corpus: data only (texts, numbers, dates), loaded by `xiaobao.demo.knowledge`.

- `terms.py`: the search dictionary (domain words for the segmenter, synonym groups for query expansion);
- `regulations.json`: real public laws and regulatory documents, by their real titles, each with our own short
  summary of the provisions an agent needs (a summary, never the text; check the source before relying on it);
- `policies_*.json`: the 51 internal policies of the fictional 津冀人寿 (number, issuing department, dates, status);
- `faq_*.json`: the FAQ an agent answers customers with (question, answer, other ways people ask it);
- `materials.json`: 话术 scripts, training material and cases.

Each document's title is its stable key (the relevance set in tests/knowledge refers to documents by title).
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read(name: str) -> list:
    """The records of one data file of this folder."""
    return json.loads((HERE / name).read_text(encoding="utf-8"))

"""Preview conversion: what the worker process (a time limit, memory limits, a crash kept away from the web
worker) costs over converting in the web process itself, for one PDF page image and for a .docx's text.

Run: `.venv/bin/python benchmarks/preview_conversion.py [--runs N]`.
The PDF is an A4 page of 60 lines of drawn text and a filled box; the .docx has 200 paragraphs and a 20 x 5
table. Prints JSON: per conversion p50/p95 in ms through core.previews (worker process) and in process (the
worker's own function called directly), and the ratio of the p50s. The worker's fixed cost is a Python start
plus the imports (pypdfium2, python-docx); the ratio says how much of a preview that is.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics as stats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XIAOBAO_TESTING", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaobao.settings")

import django  # noqa: E402

django.setup()

import docx  # noqa: E402

from xiaobao.core import conversion_worker, previews  # noqa: E402


def a4_pdf() -> bytes:
    lines = b"".join(
        b"BT /F1 10 Tf 50 %d Td (Line %d of the policy text, set in Helvetica.) Tj ET\n" % (800 - 12 * n, n)
        for n in range(60)
    )
    content = lines + b"0.8 0.1 0.1 rg 400 60 120 60 re f"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[4 0 R]/Count 1>>",
        b"<</Length %d>>stream\n%s\nendstream" % (len(content), content),
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 3 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def a_docx() -> bytes:
    document = docx.Document()
    for n in range(200):
        document.add_paragraph(f"第{n}段：保险责任、责任免除与犹豫期的说明文字。")
    table = document.add_table(rows=20, cols=5)
    for r in range(20):
        for c in range(5):
            table.cell(r, c).text = f"{r}-{c}"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def timed(function, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50_ms": round(stats.median(samples), 1), "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    pdf, word = a4_pdf(), a_docx()
    page_options = {
        "number": 1,
        "dpi": previews.PAGE_DPI,
        "max_edge": previews.MAX_PAGE_EDGE,
        "max_pixels": previews.MAX_PAGE_PIXELS,
        "max_bytes": previews.MAX_PAGE_PNG_BYTES,
    }
    png = previews.pdf_page_png(io.BytesIO(pdf), 1)
    result = {"runs": runs, "page_png_bytes": len(png)}
    cases = {
        "pdf_page_png": (
            lambda: previews.pdf_page_png(io.BytesIO(pdf), 1),
            lambda: conversion_worker.pdf_page_png(pdf, **page_options),
        ),
        "docx_html": (
            lambda: previews.docx_html(io.BytesIO(word), "x.docx"),
            lambda: conversion_worker.docx_blocks(
                word, previews.MAX_BLOCKS, previews.MAX_TABLE_CELLS, previews.MAX_CHARACTERS
            ),
        ),
    }
    for name, (isolated, in_process) in cases.items():
        in_process()  # imports warmed, as in a long-running web process
        worker, direct = timed(isolated, runs), timed(in_process, runs)
        result[name] = {
            "worker_process": worker,
            "in_process": direct,
            "ratio_p50": round(worker["p50_ms"] / max(direct["p50_ms"], 0.1), 2),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""A reviewed PDF's pages drawn as images on the server, and every conversion bounded in time (issue 21, point 3):
the pages are real drawings of the file, bounded in number, pixels and bytes; only those who may download the
file see them; a damaged file, a crash or a conversion past its time limit is a sentence on the page, never a 500."""

from __future__ import annotations

import io
import re
import struct
import sys
import zlib
from html.parser import HTMLParser

import pytest

from tests.reviews.test_preview_conversion import a_docx, client_for, upload
from xiaobao.core import previews

pytestmark = pytest.mark.django_db

SQUARE = b"0 0 0 rg 20 20 60 60 re f"  # a black square near the bottom-left corner


def a_pdf(pages: int = 1, size: tuple[float, float] = (200, 200), content: bytes = SQUARE) -> bytes:
    """A small, well-formed PDF (cross-reference table and all) whose pages each draw `content`."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", None, b"<</Length %d>>stream\n%s\nendstream" % (len(content), content)]
    kids = []
    for _ in range(pages):
        kids.append(f"{len(objects) + 1} 0 R".encode())
        objects.append(b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 %g %g]/Contents 3 0 R>>" % size)
    objects[1] = b"<</Type/Pages/Kids[%s]/Count %d>>" % (b" ".join(kids), pages)
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


def png_size_and_pixels(png: bytes) -> tuple[int, int, bytes]:
    """Width, height and the raw RGB rows (filter bytes stripped) of an unfiltered 8-bit PNG as drawn here."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert (depth, colour) == (8, 2)
    position, data = 8, b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        if png[position + 4 : position + 8] == b"IDAT":
            data += png[position + 8 : position + 8 + length]
        position += 12 + length
    raw = zlib.decompress(data)
    rows = [raw[y * (width * 3 + 1) + 1 : (y + 1) * (width * 3 + 1)] for y in range(height)]
    return width, height, b"".join(rows)


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources, self.tags = [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.sources.append(dict(attrs)["src"])


def images_of(html: str) -> _Images:
    parser = _Images()
    parser.feed(html)
    return parser


def test_a_pdf_previews_as_its_pages_drawn_on_the_server(people, submit):
    review, attachment = upload(submit, "条款.pdf", a_pdf(pages=3), "application/pdf")
    client = client_for(people.hq_admin)
    response = client.get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/")
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "sandbox allow-same-origin" in policy
    parsed = images_of(html)
    assert parsed.sources == [f"/reviews/{review.pk}/files/{attachment.pk}/preview/pages/{n}/" for n in (1, 2, 3)]
    assert not parsed.tags & {"script", "a", "iframe", "object", "embed", "link"}

    page = client.get(parsed.sources[1])
    assert page.status_code == 200 and page["Content-Type"] == "image/png"
    assert page["X-Content-Type-Options"] == "nosniff" and "sandbox" in page["Content-Security-Policy"]
    width, height, pixels = png_size_and_pixels(page.content)
    scale = previews.PAGE_DPI / 72
    assert (width, height) == (round(200 * scale + 0.5), round(200 * scale + 0.5))

    # the square is drawn: black at its centre (50pt, 50pt from the bottom-left), white at the top-right
    def pixel(x_pt, y_pt):
        x, y = int(x_pt * scale), int(height - y_pt * scale)
        return pixels[(y * width + x) * 3 : (y * width + x) * 3 + 3]

    assert pixel(50, 50) == b"\x00\x00\x00" and pixel(150, 150) == b"\xff\xff\xff"


def test_the_page_images_are_refused_to_whoever_may_not_download_the_file(people, submit):
    review, attachment = upload(submit, "条款.pdf", a_pdf(), "application/pdf")
    url = f"/reviews/{review.pk}/files/{attachment.pk}/preview/pages/1/"
    assert client_for(people.hq_admin).get(url).status_code == 200
    for user in (people.other_clerk, people.branch_clerk):
        assert client_for(user).get(url).status_code == 404


def test_a_word_document_has_no_page_images(people, submit):
    review, attachment = upload(submit, "条款.docx", a_docx("正文"))
    url = f"/reviews/{review.pk}/files/{attachment.pk}/preview/pages/1/"
    assert client_for(people.hq_admin).get(url).status_code == 404


def test_a_pdf_of_thousands_of_pages_shows_only_the_first_pages(people, submit):
    review, attachment = upload(submit, "长.pdf", a_pdf(pages=3000, size=(50, 50)), "application/pdf")
    client = client_for(people.hq_admin)
    html = client.get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/").content.decode()
    assert len(images_of(html).sources) == previews.MAX_PDF_PAGES
    assert f"共 3000 页，仅预览前 {previews.MAX_PDF_PAGES} 页" in html
    beyond = client.get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/pages/{previews.MAX_PDF_PAGES + 1}/")
    assert beyond.status_code == 422 and "不在预览范围内" in beyond.content.decode()


def test_a_page_that_claims_to_be_huge_is_drawn_within_the_pixel_caps():
    png = previews.pdf_page_png(io.BytesIO(a_pdf(size=(14400, 14400))), 1)
    width, height, _pixels = png_size_and_pixels(png)
    assert max(width, height) <= previews.MAX_PAGE_EDGE and width * height <= previews.MAX_PAGE_PIXELS
    thin = previews.pdf_page_png(io.BytesIO(a_pdf(size=(14400, 20))), 1)
    assert png_size_and_pixels(thin)[0] <= previews.MAX_PAGE_EDGE


def test_a_damaged_pdf_says_it_cannot_be_previewed_and_its_pages_are_not_a_500(people, submit):
    damaged = a_pdf(pages=2)[:200]  # cut off mid-file: no pages, no cross-reference table
    review, attachment = upload(submit, "损坏.pdf", damaged, "application/pdf")
    client = client_for(people.hq_admin)
    page = client.get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/")
    assert page.status_code == 200 and "无法在线预览" in page.content.decode()
    image = client.get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/pages/1/")
    assert image.status_code == 422 and "无法在线预览" in image.content.decode()
    looping = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[2 0 R]/Count 1>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    with pytest.raises(previews.PreviewError):
        previews.pdf_page_png(io.BytesIO(looping), 1)


def test_an_uploaded_image_is_shown_inline_beside_the_checklist(people, submit):
    from xiaobao.reviews import services

    png = previews.pdf_page_png(io.BytesIO(a_pdf()), 1)
    review, attachment = upload(submit, "宣传页.png", png, "image/png")
    services.review_assign(review=review, actor=people.hq_admin, reviewer=people.reviewer, urgency="normal", due_days=5)
    workspace = client_for(people.reviewer).get(f"/reviews/{review.pk}/").content.decode()
    assert re.search(r'<img class="rv-image" src="[^"]+/preview/"[^>]*data-kind="png"', workspace)
    shown = client_for(people.reviewer).get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert b"".join(shown.streaming_content) == png and "sandbox" in shown["Content-Security-Policy"]


# --- time limits ----------------------------------------------------------------------------------


@pytest.fixture
def slow_worker(monkeypatch):
    """A converter that never answers (as a crafted file can make a parser loop), and a short time limit."""
    monkeypatch.setattr(previews, "WORKER_COMMAND", [sys.executable, "-I", "-c", "import time; time.sleep(60)"])
    monkeypatch.setattr(previews, "CONVERSION_SECONDS", 0.5)


def test_a_conversion_past_its_time_limit_is_stopped_and_the_page_says_so(people, submit, slow_worker):
    review, attachment = upload(submit, "慢.docx", a_docx("正文"))
    client = client_for(people.hq_admin)
    html = client.get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/").content.decode()
    assert "转换超过 0.5 秒仍未完成，已停止" in html
    with pytest.raises(previews.PreviewTimeout):
        previews.pdf_text_html(io.BytesIO(a_pdf()), "慢.pdf")


def test_a_page_image_past_its_time_limit_is_a_422_not_a_hang(people, submit, slow_worker):
    review, attachment = upload(submit, "慢.pdf", a_pdf(), "application/pdf")
    image = client_for(people.hq_admin).get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/pages/1/")
    assert image.status_code == 422 and "仍未完成" in image.content.decode()


def test_a_converter_that_dies_on_a_file_is_cannot_preview(monkeypatch):
    # a parser crash (a signal, an exhausted memory limit) ends the worker, not the web process
    monkeypatch.setattr(
        previews,
        "WORKER_COMMAND",
        [sys.executable, "-I", "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"],
    )
    with pytest.raises(previews.PreviewError, match="无法在线预览"):
        previews.docx_html(io.BytesIO(a_docx("正文")), "x.docx")

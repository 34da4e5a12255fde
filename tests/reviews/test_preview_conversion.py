"""The reviewed material previewed beside the checklist: a .docx converted to HTML on the server, a PDF's text;
only for those who may download the file; hostile documents shown as inert text or refused, never a 500."""

from __future__ import annotations

import io
import zipfile
from html.parser import HTMLParser

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xiaobao.core import previews
from xiaobao.core.models import Attachment

pytestmark = pytest.mark.django_db

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def a_docx(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    document.add_heading("产品条款摘要", level=1)
    for text in paragraphs:
        run = document.add_paragraph().add_run(text)
        run.bold = "加粗" in text
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rewrite(data: bytes, member: str, change) -> bytes:
    """The same .docx with one member's XML changed (to plant hostile content)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info, change(body) if info.filename == member else body)
    return out.getvalue()


ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "h3",
    "p",
    "strong",
    "em",
    "br",
    "table",
    "tr",
    "td",
    "section",
}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes = set(), set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _value in attrs)


def _parsed(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def tags_of(html: str) -> set:
    return _parsed(html).tags


def attributes_of(html: str) -> set:
    return _parsed(html).attributes


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(submit, name: str, data: bytes, mime: str = DOCX_MIME):
    review = submit(files=[SimpleUploadedFile(name, data, content_type=mime)])
    return review, Attachment.objects.get(object_id=str(review.pk))


def test_a_word_document_previews_as_html_text_beside_the_checklist(people, submit):
    from xiaobao.reviews import services

    data = a_docx("责任免除见第七条（加粗）。", "犹豫期 15 天。", table=[["项目", "内容"], ["保险期间", "终身"]])
    review, attachment = upload(submit, "条款.docx", data)
    services.review_assign(review=review, actor=people.hq_admin, reviewer=people.reviewer, urgency="normal", due_days=5)
    client = client_for(people.hq_admin)
    response = client.get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/")
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "<h1>产品条款摘要</h1>" in html and "<strong>责任免除见第七条（加粗）。</strong>" in html
    assert "<td>保险期间</td><td>终身</td>" in html
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "script-src" not in policy and "default-src 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    workspace = client_for(people.reviewer).get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="page-workspace"' in workspace
    assert 'data-testid="attachment-preview" data-kind="docx" sandbox' in workspace


def test_the_preview_is_refused_to_whoever_may_not_download_the_file(people, submit):
    review, attachment = upload(submit, "条款.docx", a_docx("内部条款"))
    url = f"/reviews/{review.pk}/files/{attachment.pk}/"
    for user in (people.other_clerk, people.branch_clerk):
        client = client_for(user)
        assert client.get(url).status_code == 404  # the download
        assert client.get(url + "preview/").status_code == 404  # the same answer for the preview
        assert client.get(url + "preview/?as=text").status_code == 404


def test_markup_in_a_document_is_shown_as_text_and_nothing_of_it_runs(people, submit):
    hostile = a_docx('<script>alert(1)</script><img src=x onerror="alert(2)">', "正文")
    # an external image relationship and a hyperlink to javascript: neither may reach the page
    hostile = rewrite(
        hostile,
        "word/_rels/document.xml.rels",
        lambda xml: xml.replace(
            b"</Relationships>",
            b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'image" Target="http://evil.example/track.png" TargetMode="External"/>'
            b'<Relationship Id="rIdY" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'hyperlink" Target="javascript:alert(3)" TargetMode="External"/></Relationships>',
        ),
    )
    review, attachment = upload(submit, "恶意.docx", hostile)
    html = client_for(people.hq_admin).get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert tags_of(html) <= ALLOWED_TAGS
    assert attributes_of(html) <= {"lang", "charset", "class", "data-testid"}
    for active in ("javascript:", "evil.example"):
        assert active not in html


def test_an_entity_in_the_document_xml_is_not_expanded_or_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")

    def with_entity(xml: bytes) -> bytes:
        head, _, rest = xml.partition(b"?>")
        doctype = f'<!DOCTYPE w:document [<!ENTITY secret SYSTEM "{secret.as_uri()}">]>'.encode()
        return head + b"?>" + doctype + rest.replace("正文".encode(), b"&secret;")

    data = rewrite(a_docx("正文"), "word/document.xml", with_entity)
    try:
        html = previews.docx_html(io.BytesIO(data), "x.docx")
    except previews.PreviewError:
        html = ""  # refused outright: also safe
    assert "TOP-SECRET-VALUE" not in html


def test_a_damaged_document_says_it_cannot_be_previewed(people, submit):
    broken = rewrite(a_docx("正文"), "word/document.xml", lambda xml: xml[: len(xml) // 2])
    review, attachment = upload(submit, "损坏.docx", broken)
    response = client_for(people.hq_admin).get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/")
    assert response.status_code == 200
    assert "无法在线预览" in response.content.decode()


def test_a_long_document_is_cut_at_the_cap(monkeypatch):
    monkeypatch.setattr(previews, "MAX_BLOCKS", 5)
    html = previews.docx_html(io.BytesIO(a_docx(*[f"第{i}段" for i in range(20)])), "长.docx")
    assert "第3段" in html and "第10段" not in html and "仅预览前面部分" in html


def test_an_oversized_file_is_not_converted(monkeypatch):
    monkeypatch.setattr(previews, "MAX_PREVIEW_BYTES", 100)
    with pytest.raises(previews.PreviewError):
        previews.docx_html(io.BytesIO(a_docx("正文")), "大.docx")


def test_a_pdf_can_be_read_as_text_and_a_hostile_one_is_refused_without_error(people, submit):
    from tests.reviews.pages.conftest import PDF

    review, attachment = upload(submit, "条款.pdf", PDF, "application/pdf")
    response = client_for(people.hq_admin).get(f"/reviews/{review.pk}/files/{attachment.pk}/preview/?as=text")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "sandbox" in response["Content-Security-Policy"]
    # a PDF whose page tree points at itself: pypdf's loop guard, or our refusal — never a 500
    looping = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[2 0 R]/Count 1>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    try:
        html = previews.pdf_text_html(io.BytesIO(looping), "环.pdf")
    except previews.PreviewError:
        html = ""
    assert "<script" not in html

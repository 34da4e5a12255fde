"""Builders of small .docx, .pdf and .zip files for the import tests.

The PDF is written by hand: a Type1 font whose /ToUnicode map gives each one-byte code a Chinese character,
which is how real PDFs carry CJK text that copy-and-paste (and pypdf) can read back.
"""

from __future__ import annotations

import io
import zipfile


def docx_bytes(
    paragraphs=("第一条 为规范投诉处理工作，制定本办法。",),
    *,
    heading: str = "",
    core_title: str = "",
    table: list[list[str]] | None = None,
) -> bytes:
    import docx

    document = docx.Document()
    if core_title:
        document.core_properties.title = core_title
    if heading:
        document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, values in enumerate(table):
            for c, value in enumerate(values):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes(lines=("投诉处理时限为十五日",)) -> bytes:
    """A one-page PDF showing `lines` (one-byte codes mapped to Unicode through a /ToUnicode CMap)."""
    chars = sorted({ch for line in lines for ch in line})
    assert len(chars) < 200, "keep the sample short"
    code = {ch: i + 32 for i, ch in enumerate(chars)}
    cmap = "\n".join(
        [
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CMapName /XiaoBao def /CMapType 2 def",
            "1 begincodespacerange <00> <FF> endcodespacerange",
            f"{len(chars)} beginbfchar",
            *(f"<{code[ch]:02X}> <{ord(ch):04X}>" for ch in chars),
            "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end",
        ]
    ).encode()
    shows = []
    for n, line in enumerate(lines):
        hexed = "".join(f"{code[ch]:02X}" for ch in line)
        shows.append(f"BT /F1 12 Tf 50 {750 - 20 * n} Td <{hexed}> Tj ET")
    content = "\n".join(shows).encode()
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        ]
    )


def _pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def blank_pdf_bytes() -> bytes:
    """A PDF page with no text on it: what a scan without OCR looks like to a text extractor."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_pdf_bytes(user_password: str = "secret", owner_password: str = "owner") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes], *, utf8_names: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def gbk_named_zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip as Chinese Windows tools write it: GBK file names, no UTF-8 flag."""
    placeholders = {}
    for n, name in enumerate(files):
        raw = name.encode("gbk")
        placeholders[name] = (f"~{n:03d}".ljust(len(raw), "x")).encode()
        assert len(placeholders[name]) == len(raw)
    content = zip_bytes({placeholders[name].decode(): data for name, data in files.items()})
    # zipfile sets the UTF-8 flag for any non-ASCII name, so write ASCII stand-ins and swap in the bytes
    for name, stand_in in placeholders.items():
        content = content.replace(stand_in, name.encode("gbk"))
    return content


def symlink_zip_bytes(name: str = "link.txt", target: str = "/etc/passwd") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        archive.writestr(info, target)
        archive.writestr("ok.txt", "正文".encode())
    return buffer.getvalue()


def duplicate_zip_bytes(name: str) -> bytes:
    """A zip holding two entries with one path (zipfile allows it, with a warning)."""
    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")
        archive.writestr(name, "第一份".encode())
        archive.writestr(name, "第二份".encode())
    return buffer.getvalue()

"""Hostile workbooks shared by the import tests: a padded bomb, a sheet of endless blank-looking lines, and a
writer on another connection (for "other users' writes go through while a file is read")."""

from __future__ import annotations

import io
import os
import threading
import zipfile

from django.db import connection


def padded_bomb(workbook: bytes) -> bytes:
    """The workbook with a part inflating a thousandfold, hidden beside incompressible padding: over the whole
    archive it inflates less than twofold."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/media/image1.png", os.urandom(6_000_000))
        target.writestr("customXml/item1.xml", b"<a>" + b" " * 8_000_000 + b"</a>")
    return out.getvalue()


def sheet_with_lines(header: list[str], lines: int, *, title: str = "") -> bytes:
    """A header and `lines` rows holding a value only far right of the columns read: blank to the import, but
    rows the reader must walk through."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if title:
        sheet.title = title
    sheet.append(header)
    for n in range(lines):
        sheet.cell(row=n + 2, column=60, value=n)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_meanwhile(user, results: list) -> None:
    """Another user's audited write on a connection of its own; `results` gets True or the exception."""
    from xiaobao.core import audit
    from xiaobao.core.models import User

    def write():
        try:
            audit.record(actor=user, action="test.meanwhile", obj=user)
            User.objects.filter(pk=user.pk).update(first_name="meanwhile")
            results.append(True)
        except Exception as problem:  # kept, so the assertion shows it
            results.append(problem)
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=30)  # a guard against hanging, not a timing assertion

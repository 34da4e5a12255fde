"""Search passages (issue 18): a long document is indexed as its own entry plus one entry per article or
heading, so knowledge_searchentry holds several rows per version. Each row says which passage it is
(`passage_anchor`, `passage_label`, `passage_context`; empty for the document's own entry) and where its
text lies in the version's body (`passage_start`, `passage_end`).

Existing rows are kept as they are (whole-document entries, still searchable); the passages appear when an
admin rebuilds the index ("按当前词典重建检索索引", or `search.rebuild()`), or as documents change.

- SQLite: the entry table is rebuilt without the UNIQUE on version_id, ids kept, so the FTS5 table (keyed
  by those ids) stays valid; the triggers are recreated on the new table.
- PostgreSQL: the unique constraint is dropped and the columns added in place.
"""

from django.db import migrations

NEW_COLUMNS = (
    ("passage_anchor", "varchar(40) NOT NULL DEFAULT ''"),
    ("passage_label", "varchar(120) NOT NULL DEFAULT ''"),
    ("passage_context", "varchar(255) NOT NULL DEFAULT ''"),
    ("passage_start", "integer NOT NULL DEFAULT 0"),
    ("passage_end", "integer NOT NULL DEFAULT 0"),
)
OLD_COLUMNS = (
    "id, document_id, version_id, is_current, kind, policy_status, category_id, effective_from, org_path, "
    "restricted, title, question, body"
)
TRIGGERS = [
    """CREATE TRIGGER knowledge_searchentry_ai AFTER INSERT ON knowledge_searchentry BEGIN
        INSERT INTO knowledge_searchfts(rowid, title, question, body) VALUES (new.id, new.title, new.question, new.body);
    END""",
    """CREATE TRIGGER knowledge_searchentry_ad AFTER DELETE ON knowledge_searchentry BEGIN
        INSERT INTO knowledge_searchfts(knowledge_searchfts, rowid, title, question, body)
        VALUES ('delete', old.id, old.title, old.question, old.body);
    END""",
    """CREATE TRIGGER knowledge_searchentry_au AFTER UPDATE OF title, question, body ON knowledge_searchentry BEGIN
        INSERT INTO knowledge_searchfts(knowledge_searchfts, rowid, title, question, body)
        VALUES ('delete', old.id, old.title, old.question, old.body);
        INSERT INTO knowledge_searchfts(rowid, title, question, body) VALUES (new.id, new.title, new.question, new.body);
    END""",
]


def _sqlite(schema_editor, *, passages: bool) -> None:
    extra = "".join(f",\n        {name} {kind}" for name, kind in NEW_COLUMNS) if passages else ""
    version = "version_id bigint NOT NULL" if passages else "version_id bigint NOT NULL UNIQUE"
    statements = [
        "DROP TRIGGER IF EXISTS knowledge_searchentry_ai",
        "DROP TRIGGER IF EXISTS knowledge_searchentry_ad",
        "DROP TRIGGER IF EXISTS knowledge_searchentry_au",
        f"""CREATE TABLE knowledge_searchentry_new (
        id integer PRIMARY KEY AUTOINCREMENT,
        document_id bigint NOT NULL,
        {version},
        is_current boolean NOT NULL,
        kind varchar(20) NOT NULL,
        policy_status varchar(20) NOT NULL DEFAULT '',
        category_id bigint NULL,
        effective_from date NULL,
        org_path varchar(255) NOT NULL,
        restricted boolean NOT NULL DEFAULT false,
        title text NOT NULL DEFAULT '',
        question text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT ''{extra}
    )""",
        # going back keeps one row per version: the document's own entry
        f"INSERT INTO knowledge_searchentry_new ({OLD_COLUMNS}) SELECT {OLD_COLUMNS} FROM knowledge_searchentry"
        + ("" if passages else " WHERE passage_anchor = ''"),
        "DROP TABLE knowledge_searchentry",
        "ALTER TABLE knowledge_searchentry_new RENAME TO knowledge_searchentry",
        "CREATE INDEX knowledge_searchentry_doc ON knowledge_searchentry (document_id)",
        *(["CREATE INDEX knowledge_searchentry_version ON knowledge_searchentry (version_id)"] if passages else []),
        *TRIGGERS,
    ]
    for sql in statements:
        schema_editor.execute(sql)
    if not passages:
        # passage rows left the entry table: the FTS index is rebuilt from what remains
        schema_editor.execute("INSERT INTO knowledge_searchfts(knowledge_searchfts) VALUES ('rebuild')")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _sqlite(schema_editor, passages=True)
        return
    schema_editor.execute(
        "ALTER TABLE knowledge_searchentry DROP CONSTRAINT IF EXISTS knowledge_searchentry_version_id_key"
    )
    for name, kind in NEW_COLUMNS:
        schema_editor.execute(f"ALTER TABLE knowledge_searchentry ADD COLUMN {name} {kind}")
    schema_editor.execute("CREATE INDEX knowledge_searchentry_version ON knowledge_searchentry (version_id)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _sqlite(schema_editor, passages=False)
        return
    schema_editor.execute("DELETE FROM knowledge_searchentry WHERE passage_anchor <> ''")
    schema_editor.execute("DROP INDEX IF EXISTS knowledge_searchentry_version")
    for name, _kind in NEW_COLUMNS:
        schema_editor.execute(f"ALTER TABLE knowledge_searchentry DROP COLUMN {name}")
    schema_editor.execute(
        "ALTER TABLE knowledge_searchentry ADD CONSTRAINT knowledge_searchentry_version_id_key UNIQUE (version_id)"
    )


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_import_batch_review_reminder")]

    operations = [migrations.RunPython(forward, backward)]

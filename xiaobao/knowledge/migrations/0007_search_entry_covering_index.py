"""A covering index for search's visibility check on SQLite (issue 18, point 9).

Search joins every full-text match to its entry row to apply visibility (unit path, roles, current version)
and the filters. Through the entry table each match costs a seek into rows wide with segmented text (about
25,000 leaf pages on 100k documents); through this index, which holds only the columns search reads from
the entry, the same seeks touch a tenth of the pages (`backends.SQLiteBackend.match` names it with
INDEXED BY: the planner always prefers the rowid for `e.id = ?`). Measured on the 100k benchmark index:
the statement's CPU time fell by 15-20 % (benchmarks/knowledge_search.py). About 25 MB there.

PostgreSQL needs nothing: it finds the rows through the GIN index and reads the heap row it ranks anyway.
"""

from django.db import migrations

NAME = "knowledge_searchentry_visible"
# every column of the entry the search statement reads (knowledge.search.engine: _visibility, _filters, _query)
COLUMNS = (
    "id, is_current, org_path, restricted, document_id, version_id, kind, policy_status, category_id, "
    "effective_from, passage_anchor"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON knowledge_searchentry ({COLUMNS})")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0006_import_batch_source_digest")]

    operations = [migrations.RunPython(forward, backward)]

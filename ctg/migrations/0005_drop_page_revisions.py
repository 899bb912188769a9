"""The page cache is gone: its PostgreSQL triggers, functions and tables go with it.

The triggers were installed after every migrate by a signal, not by a migration, so this one
drops whatever of them a database holds (nothing on SQLite, where they never existed)."""

from django.db import migrations

DROP_TRIGGERS_SQL = """
DROP FUNCTION IF EXISTS ctg_revision_touch() CASCADE;
DROP TABLE IF EXISTS ctg_revision_flush CASCADE;
DROP FUNCTION IF EXISTS ctg_revision_flush() CASCADE;
DROP FUNCTION IF EXISTS ctg_revision_note(text[]) CASCADE;
"""


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("ctg", "0004_heartbeat"),
    ]

    operations = [
        migrations.RunPython(drop_triggers, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="Revision"),
    ]

from django.db import migrations

from diagnostics.reference import ensure_fields


def create_fields(apps, schema_editor):
    ensure_fields(apps.get_model("diagnostics", "InterventionField"))


class Migration(migrations.Migration):
    dependencies = [("diagnostics", "0001_initial")]

    operations = [migrations.RunPython(create_fields, migrations.RunPython.noop)]

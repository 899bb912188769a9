from django.db import migrations

FIELDS = [
    ("petite-enfance", "Petite enfance"),
    ("enfance", "Enfance"),
    ("jeunesse", "Jeunesse"),
    ("parentalite", "Parentalité"),
    ("animation-vie-sociale", "Animation de la vie sociale"),
    ("acces-aux-droits", "Accès aux droits et inclusion numérique"),
    ("logement", "Logement et habitat"),
    ("handicap", "Handicap"),
    ("sante", "Santé"),
    ("mobilite", "Mobilité"),
    ("solidarite", "Solidarité et insertion"),
    ("gens-du-voyage", "Accueil des gens du voyage"),
    ("culture-loisirs", "Culture, sport et loisirs"),
    ("cadre-de-vie", "Cadre de vie"),
]


def create_fields(apps, schema_editor):
    InterventionField = apps.get_model("diagnostics", "InterventionField")
    for position, (code, name) in enumerate(FIELDS, start=1):
        InterventionField.objects.update_or_create(code=code, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("diagnostics", "0001_initial")]

    operations = [migrations.RunPython(create_fields, migrations.RunPython.noop)]

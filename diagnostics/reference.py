"""The reference list of intervention fields the platform starts with (staff extend it)."""

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


def ensure_fields(model):
    """Create the missing fields (idempotent); `model` is the real or the historical model."""
    for position, (code, name) in enumerate(FIELDS, start=1):
        model.objects.get_or_create(code=code, defaults={"name": name, "position": position})

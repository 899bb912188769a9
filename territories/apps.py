from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "territories"
    verbose_name = "Territoires et organisations"

    def ready(self):
        from territories import signals  # noqa: F401

from django.apps import AppConfig


class CtgConfig(AppConfig):
    name = "ctg"
    verbose_name = "Conventions territoriales globales"

    def ready(self):
        from django.db.models.signals import post_migrate

        from ctg.page_cache import install_triggers

        post_migrate.connect(install_triggers, sender=self, dispatch_uid="ctg.page_cache.install_triggers")

from django.apps import AppConfig
from django.core import checks

from ctg.lib.checks import proxy_count_check


class CtgConfig(AppConfig):
    name = "ctg"
    verbose_name = "Conventions territoriales globales"

    def ready(self):
        checks.register(proxy_count_check, checks.Tags.security, deploy=True)

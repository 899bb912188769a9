from django.apps import AppConfig
from django.core import checks


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Gouvernance, délibérations et signatures"

    def ready(self):
        from governance.checks import seal_certificate_check

        checks.register(seal_certificate_check, checks.Tags.security)

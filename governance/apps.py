from django.apps import AppConfig
from django.core import checks

from governance.checks import seal_certificate_check


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Gouvernance, délibérations et signatures"

    def ready(self):
        checks.register(seal_certificate_check, checks.Tags.security)

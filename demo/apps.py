from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo's data and its mailbox: installed by the demo and test settings only, never in
    production. Built with the same public functions users trigger."""

    name = "demo"
    verbose_name = "Démonstration"

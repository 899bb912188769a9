"""Keep guardian groups in step with memberships and organisations, whichever path
(admin, UI, commands, fixtures) changes them."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from territories import services
from territories.models import Membership, Organisation


@receiver(post_save, sender=Organisation)
def organisation_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        services.grant_organisation_permissions(instance)


@receiver(post_save, sender=Membership)
def membership_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        services.sync_membership_groups(instance)


@receiver(post_delete, sender=Membership)
def membership_deleted(sender, instance, **kwargs):
    services.remove_membership_groups(instance)

"""Keep guardian groups in step with memberships and organisations, whichever path
(admin, UI, commands, fixtures) changes them."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from territories import services
from territories.models import Membership, Organisation


@receiver(post_save, sender=Organisation)
def organisation_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    if created:
        services.grant_organisation_permissions(instance)
    elif update_fields is None or "is_active" in update_fields:
        services.sync_organisation_groups(instance)


@receiver(post_save, sender=Membership)
def membership_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        services.sync_membership_groups(instance)


@receiver(post_delete, sender=Membership)
def membership_deleted(sender, instance, **kwargs):
    services.remove_membership_groups(instance)

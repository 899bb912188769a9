"""The append-only audit trail of workflow events."""

from governance.models import AuditEvent


def record(convention, kind: str, message: str, *, actor=None, party=None, version=None, ip=None, **data):
    return AuditEvent.objects.create(
        convention=convention,
        version=version,
        kind=kind,
        message=message,
        actor=actor if actor is not None and actor.is_authenticated else None,
        party=party,
        ip_address=ip,
        data=data,
    )

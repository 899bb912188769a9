"""Login throttling in three layers, on django-axes' attempts: wrong passwords for one address
from one place (the tightest), for one address from anywhere (a distributed guess), and from
one place whatever the address (a few passwords tried against many accounts)."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class LayeredAxesHandler(AxesDatabaseHandler):
    """Axes compares one count with one limit (`AXES_FAILURE_LIMIT`); here each layer of
    `AXES_LOCKOUT_PARAMETERS` has its own limit (`LOGIN_FAILURE_LIMITS`, in the same order), and
    its count is scaled to axes' limit: whichever layer reaches its own locks the request out."""

    def get_failures(self, request, credentials=None) -> int:
        base = settings.AXES_FAILURE_LIMIT
        scaled = [0]
        for attempts, limit in zip(
            self.get_user_attempts(request, credentials), settings.LOGIN_FAILURE_LIMITS, strict=True
        ):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            scaled.append(failures * base // limit)
        return max(scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A right password clears the failures against that account, never those of the place
        (one valid account must not wipe the count of a place that tries many)."""
        by_pair, by_account, _by_place = self.filter_user_attempts(request, credentials)
        return by_pair.delete()[0] + by_account.delete()[0]

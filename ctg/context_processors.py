from django.conf import settings


def platform(request):
    return {
        "platform_name": settings.PLATFORM_NAME,
        "demo_mailbox": settings.DEMO_MAILBOX,
        "proconnect_enabled": bool(settings.PROCONNECT_DISCOVERY_URL and settings.PROCONNECT_CLIENT_ID),
    }

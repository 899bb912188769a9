"""Logging filters of the platform."""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """A refusal the platform decided (403, 404, 400) is one line in the log, not a traceback:
    Django attaches the exception that made the response, which is only noise for a 4xx."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True

"""How the API reports errors.

Anything outside the caller's scope is "not found" (404, never 403: existence is not
leaked); a service's ``ValidationFailed`` is a 400 keyed by the API's field names.
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from jiuye.registry.services import ValidationFailed


def exception_handler(exc, context):
    """DRF's handler, after mapping the services' scope refusals to 404."""
    if isinstance(exc, PermissionDenied | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


def run_service(service, columns: dict[str, str], **kwargs):
    """Call a service; its ``ValidationFailed`` becomes a 400 keyed by API field names.

    ``columns`` maps each API field to the column (exchange column or casework label)
    the service names in its errors; other columns go under ``non_field_errors``.
    """
    try:
        return service(**kwargs)
    except ValidationFailed as exc:
        by_column = {column: field for field, column in columns.items()}
        errors: dict[str, list[str]] = {}
        for column, message in exc.errors.items():
            errors.setdefault(by_column.get(column, api_settings.NON_FIELD_ERRORS_KEY), []).append(message)
        raise exceptions.ValidationError(errors) from None

"""How the API reports errors.

Anything outside the caller's scope is "not found" (404, never 403: existence is not
leaked); a service's ``ValidationFailed`` is a 400 keyed by the API's field names; a write
that would end or change a current episode without ``confirm`` is a 409 listing the
changes; a NUL character anywhere in a request (path, query, body) is a 400 that says so in
both languages, before anything reaches the database (PostgreSQL cannot hold one).
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from jiuye.registry.services import ConfirmationRequired, ValidationFailed

NUL = "\x00"
CONFIRM_DETAIL = ("此操作将结束或更改当前记录，请确认后重发（confirm: true）/ this write ends or changes current "
                  "records: send it again with confirm: true to accept the changes listed")


_WHERE = {"query": ("查询参数", "this query parameter"), "path": ("路径参数", "this path parameter"),
          "body": ("此字段", "this field")}


def nul_message(where: str) -> str:
    """``where`` (query, path, body) holds a NUL character: said in both languages."""
    zh, en = _WHERE[where]
    return f"{zh}含空字符（NUL，\\x00），不允许 / {en} contains a NUL character (\\x00), which is not allowed"


def exception_handler(exc, context):
    """DRF's handler, after mapping the services' scope refusals to 404 and unconfirmed changes to 409."""
    if isinstance(exc, ConfirmationRequired):
        from jiuye.api.serializers import ChangeSerializer

        return Response({"detail": CONFIRM_DETAIL, "changes": ChangeSerializer(exc.changes, many=True).data},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, PermissionDenied | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


def refuse_nul(values: dict, where: str) -> None:
    """400 naming each parameter (of the path or the query string) that holds a NUL."""
    errors = {name: [nul_message(where)] for name, value in values.items()
              if isinstance(value, str) and NUL in value}
    if errors:
        raise exceptions.ValidationError(errors)


def refuse_nul_in_body(data) -> None:
    """400 naming each field of a JSON body (at any depth) whose text holds a NUL."""
    errors: dict[str, list[str]] = {}

    def walk(value, path: str):
        if isinstance(value, str):
            if NUL in value:
                errors.setdefault(path or api_settings.NON_FIELD_ERRORS_KEY, [nul_message("body")])
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and NUL in key:
                    errors.setdefault(api_settings.NON_FIELD_ERRORS_KEY, [nul_message("body")])
                walk(item, key if not path else f"{path}.{key}")
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, path)

    walk(data, "")
    if errors:
        raise exceptions.ValidationError({key.split(".")[0]: value for key, value in errors.items()})


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

"""Paging of the API's lists: ``?limit=&offset=``, where a bad value is a 400 (DRF's own ignores it)."""

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_OFFSET = 10**9


class Pagination(LimitOffsetPagination):
    max_limit = 500

    def _param(self, request, name: str, default, **bounds):
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            return serializers.IntegerField(**bounds).run_validation(raw)
        except ValidationError as exc:
            raise ValidationError({name: exc.detail}) from None

    def get_limit(self, request):
        return self._param(request, self.limit_query_param, self.default_limit, min_value=1, max_value=self.max_limit)

    def get_offset(self, request):
        return self._param(request, self.offset_query_param, 0, min_value=0, max_value=MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        limit, offset = super().get_schema_operation_parameters(view)
        limit["schema"].update(minimum=1, maximum=self.max_limit, default=self.default_limit)
        offset["schema"].update(minimum=0, maximum=MAX_OFFSET, default=0)
        return [limit, offset]

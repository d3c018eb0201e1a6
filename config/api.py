"""What every API endpoint shares: pagination and the one error shape of DESIGN.md §9:
{"message", "code", "unmet": [{"code", "message"}], "errors": {"field": [...]}}."""

from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def error_body(message: str, code: str, *, unmet=None, errors: dict | None = None) -> dict:
    body: dict = {"message": message, "code": code}
    if unmet:
        body["unmet"] = [item.as_dict() for item in unmet]
    if errors:
        body["errors"] = errors
    return body


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            field: value
            if isinstance(value, list) and all(isinstance(v, str) for v in value)
            else _field_errors(value)
            if isinstance(value, dict)
            else _flatten(value)
            for field, value in detail.items()
        }
    return {"non_field_errors": _flatten(detail)}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = error_body(exc.message, exc.code, unmet=exc.unmet, errors=exc.errors)
        return Response(body, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        messages = _flatten(exc.detail)
        message = messages[0] if len(messages) == 1 else "The request has invalid fields."
        response.data = error_body(message, "invalid", errors=errors)
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    detail = getattr(exc, "detail", None)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    response.data = error_body(str(detail) if detail else str(exc), str(code))
    return response

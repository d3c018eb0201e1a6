"""What every API endpoint shares: pagination and the one error shape of DESIGN.md §9:
{"message", "code", "unmet": [{"code", "message"}], "errors": {"field": [...]}}."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        """`page_size` from 1 to `max_page_size` (larger is capped); anything else is a 400,
        not a silent fallback to the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdecimal() or int(raw) < 1:
            message = f"A whole number from 1 to {self.max_page_size}."
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return min(int(raw), self.max_page_size)


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


# --- The error responses in the OpenAPI schema ---------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "DESIGN.md §9: only the keys that apply are present.",
    "properties": {
        "message": {"type": "string"},
        "code": {"type": "string"},
        "unmet": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                "required": ["code", "message"],
            },
        },
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["message", "code"],
}

ERROR_STATUSES = {
    "400": "Invalid input: `errors` maps each field to its messages.",
    "401": "Not authenticated (no session, or a missing, unknown, expired or revoked token).",
    "403": "Known object, action not allowed for this user.",
    "404": "Unknown or not visible to this user (also a page number out of range).",
}
WRITE_STATUSES = {
    "409": "A guard is unmet (`unmet` lists each condition) or a conflict.",
    "415": "The body's content type is not JSON, a form or a well-formed multipart body.",
}
# For the operations that are rate-limited (`responses={..., **RATE_LIMITED}`).
RATE_LIMITED = {
    429: OpenApiResponse(
        description="Too many requests of this kind from this user or for this partner in a "
        "short time (`code` `rate_limited`); nothing was done. Try again later."
    )
}
# For the operations that need another service to answer (`responses={..., **UNAVAILABLE}`).
UNAVAILABLE = {
    503: OpenApiResponse(
        description="A service this action needs (the program's Vault, the task queue) is "
        "unavailable: `code` says which, and nothing was half-done. Try again shortly."
    )
}


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation documents the one error shape
    under each status it can answer with, so clients (and schemathesis) can rely on it."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            statuses = dict(ERROR_STATUSES)
            if method in ("post", "put", "patch", "delete"):
                statuses.update(WRITE_STATUSES)
            responses = operation.setdefault("responses", {})
            for status_code, description in statuses.items():
                responses.setdefault(status_code, {"description": description})
            for status_code, response in responses.items():
                if int(status_code) >= 400:
                    response.setdefault("content", reference)
    return result

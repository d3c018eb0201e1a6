"""The one domain error type every service raises, and the unmet condition it can carry."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Unmet:
    """A condition a guard found unmet: a stable machine code and a sentence for people."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class DomainError(Exception):
    """A rule said no. `status` is the HTTP status the API answers with (409 guard/conflict,
    403 not allowed, 400 invalid); HTML views show `message` and `unmet` as a form error."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int = 409,
        unmet: list[Unmet] | tuple[Unmet, ...] = (),
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.unmet = list(unmet)
        self.errors = errors or {}

    @classmethod
    def forbidden(cls, message: str, *, code: str = "forbidden") -> "DomainError":
        return cls(message, code=code, status=403)

    @classmethod
    def invalid(
        cls, message: str, *, code: str = "invalid", errors: dict[str, list[str]] | None = None
    ) -> "DomainError":
        return cls(message, code=code, status=400, errors=errors)

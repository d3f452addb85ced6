"""The errors Metergraph raises on purpose, under one base.

    MetergraphError            anything the product refuses or cannot do
    ├── Invalid                the input breaks a rule (names the field)
    │   └── Rejected           the input breaks several rules, each named (FieldError)
    ├── NotFound               the thing asked for does not exist (or is not visible)
    ├── Forbidden              the caller's key does not allow it
    ├── Conflict               the input clashes with what is stored
    ├── LimitExceeded          a configured limit was reached
    └── Unavailable            a dependency (the database) cannot be reached

Every layer raises these (or subclasses); the API maps them to typed errors
in one place, so no caller depends on a driver's or a library's exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.usage import FieldError


class MetergraphError(Exception):
    """Base of every error the product raises on purpose.

    ``code`` is the stable, machine-readable name clients branch on;
    ``field`` names the input at fault, when one is.
    """

    default_code = "INTERNAL"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field


class Invalid(MetergraphError):
    """The input breaks a rule."""

    default_code = "INVALID_FORMAT"


class Rejected(Invalid):
    """The input breaks one or more rules, each naming its field and code.

    Services raise it; the API answers it with the result union's
    ``ValidationError`` member (``api.errors.answer``).
    """

    def __init__(self, errors: Sequence[FieldError]) -> None:
        if not errors:
            raise ValueError("Rejected needs at least one FieldError")
        first = errors[0]
        super().__init__(first.message, code=first.code.value, field=first.field)
        self.errors = tuple(errors)


class NotFound(MetergraphError):
    """The thing asked for does not exist, or the caller may not see it."""

    default_code = "NOT_FOUND"


class Forbidden(MetergraphError):
    """The caller's key does not allow this."""

    default_code = "FORBIDDEN"


class Conflict(MetergraphError):
    """The input clashes with what is stored."""

    default_code = "CONFLICT"


class LimitExceeded(MetergraphError):
    """A configured limit was reached."""

    default_code = "LIMIT_EXCEEDED"


class Unavailable(MetergraphError):
    """A dependency the product needs cannot be reached."""

    default_code = "UNAVAILABLE"

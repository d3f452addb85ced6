"""One shape for every mutation: ``xxx(input: XxxInput!): XxxResult!``.

A mutation of the last release that took loose arguments keeps them for one
release, optional and deprecated, beside a new optional ``input``: a client
sends one or the other (``given``). One whose result was not a union keeps its
old field, deprecated, and has a twin of the new shape under another name
(``removeThreshold`` for ``deleteThreshold``…). The README's "GraphQL API"
section lists them.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import strawberry
from strawberry.utils.str_converters import to_camel_case

from api.types import ValidationError
from domain import usage as d

I = TypeVar("I")  # noqa: E741

# The reason every deprecated argument gives.
SEND_IN_INPUT = "Use input; removed in the next release"


def use(new: str) -> str:
    """The deprecation reason of a field replaced by ``new``."""
    return f"Use {new}; removed in the next release"


def deprecated(description: str) -> Any:
    """An argument of the last release's form, kept for one release."""
    return strawberry.argument(description=description, deprecation_reason=SEND_IN_INPUT)


def input_argument(description: str) -> Any:
    """The ``input`` argument, optional while the deprecated arguments remain."""
    return strawberry.argument(
        description=f"{description} Required unless the deprecated arguments are sent."
    )


def _required(cls: type[Any]) -> list[str]:
    return [
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]


def given(cls: type[I], input: I | None, **legacy: Any) -> I | ValidationError:
    """The mutation's input: ``input``, or one built from the deprecated
    arguments ``legacy`` (named as ``cls``'s fields). Both, or neither with a
    required part missing: a ValidationError naming the field."""
    sent = {name: value for name, value in legacy.items() if value is not None}
    if input is not None:
        if sent:
            name = to_camel_case(next(iter(sent)))
            message = f"send {name} in input, not beside it"
            return ValidationError.single(name, d.ErrorCode.FIELD_NOT_APPLICABLE, message)
        return input
    missing = [to_camel_case(name) for name in _required(cls) if name not in sent]
    if not missing:
        return cls(**sent)
    # nothing sent: the client is asked for `input`; a part of the old form: for that part
    field = missing[0] if sent else "input"
    return ValidationError.single(field, d.ErrorCode.REQUIRED, f"{field} is required")


def one_of(field: str, in_input: I | None, argument: I | None) -> I | ValidationError:
    """A required part of ``input`` that the last release took as the argument
    ``argument``: either, not both."""
    if in_input is not None and argument is not None:
        message = f"send {field} in input, not beside it"
        return ValidationError.single(field, d.ErrorCode.FIELD_NOT_APPLICABLE, message)
    value = in_input if in_input is not None else argument
    if value is None:
        return ValidationError.single(field, d.ErrorCode.REQUIRED, f"input.{field} is required")
    return value

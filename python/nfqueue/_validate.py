# SPDX-License-Identifier: GPL-2.0-or-later
"""Argument checks that run before anything reaches C, so a wrong type is a
TypeError and an out-of-range value an InvalidArgumentError (a ValueError
with the code the C library would have given), each naming the argument."""
from __future__ import annotations

import enum
import operator
from typing import NoReturn, Optional, Type, TypeVar

from . import _nfqueue as _c
from .errors import InvalidArgumentError, PayloadTooLargeError

UINT32_MAX = 0xFFFFFFFF


def integer(name: str, value: object, lo: int, hi: int) -> int:
    """`value` as an int in lo..hi (bool is refused: True is no queue number)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not bool")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}") from None
    if not lo <= number <= hi:
        invalid(f"{name} must be in {lo}..{hi}, got {number}")
    return number


def invalid(message: str) -> NoReturn:
    """Raise the error C gives for an invalid value (a ValueError)."""
    raise InvalidArgumentError(message, _c.E_INVAL)


E = TypeVar("E", bound=enum.Enum)


def member(cls: Type[E], value: object, name: str) -> E:
    """`value` as a member of the enum `cls` (from the member or its number)."""
    try:
        return cls(value)
    except ValueError:
        invalid(f"{name} must be one of {', '.join(m.name for m in cls)} "
                f"({cls.__name__}), got {value!r}")


def mark(value: object) -> Optional[int]:
    """A packet mark: None (keep the mark) or a 32-bit unsigned integer."""
    if value is None:
        return None
    return integer("mark", value, 0, UINT32_MAX)


def payload(value: object, limit: int) -> Optional[memoryview]:
    """A replacement payload: None (keep it) or any bytes-like object of at
    most `limit` bytes. Returns a byte view of it (no copy)."""
    if value is None:
        return None
    if isinstance(value, str):
        raise TypeError("payload must be bytes-like (bytes, bytearray, memoryview), not str; "
                        "encode it first")
    try:
        view = memoryview(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError("payload must be bytes-like (bytes, bytearray, memoryview), "
                        f"not {type(value).__name__}") from None
    view = view.cast("B") if view.format != "B" or view.ndim != 1 else view
    if view.nbytes > limit:
        raise PayloadTooLargeError(
            f"payload of {view.nbytes} bytes is larger than the {limit} bytes the kernel "
            "accepts; shorten it")
    return view

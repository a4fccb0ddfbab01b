# SPDX-License-Identifier: GPL-2.0-or-later
"""Integer arguments converted the way NetfilterQueue 1.1's compiled code
converted its C-typed arguments, so that every call that worked there
works here with the same result.

What the original did (measured on NetfilterQueue 1.1.0): any object with
``__int__`` is accepted and truncated (``set_mark(7 / 2)`` marks 3; bool,
float, Fraction and Decimal all work); anything else raises
``TypeError("an integer is required")`` (str, None). A value that does not
fit the C type raises OverflowError with the messages used below.

One deliberate difference: an object with only ``__index__`` (no
``__int__``) is accepted here; the original refused it.
"""
from __future__ import annotations

import operator

_NOT_INTEGER = "an integer is required"
# Beyond what a C unsigned long holds, the original's converter gave up
# before it looked at the target type.
_ULONG_BITS = 64


def c_integer(value: object) -> int:
    """`value` as NetfilterQueue's converter saw it: int(value) for anything
    with __int__ (floats truncate), operator.index otherwise."""
    if type(value) is int:  # the common case, first
        return value
    if hasattr(type(value), "__int__") and not isinstance(value, (str, bytes, bytearray)):
        return int(value)  # type: ignore[call-overload]
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(_NOT_INTEGER) from None


def c_unsigned(value: object, bits: int) -> int:
    """`value` as an unsigned C integer of `bits` bits (u_int8_t, ...)."""
    number = c_integer(value)
    if number < 0:
        raise OverflowError(f"can't convert negative value to u_int{bits}_t")
    if number >> _ULONG_BITS:
        raise OverflowError("Python int too large to convert to C unsigned long")
    if number >> bits:
        raise OverflowError(f"value too large to convert to u_int{bits}_t")
    return number

"""Integer arguments checked the way NetfilterQueue's C-typed arguments
were: TypeError for what is not an integer, OverflowError for what does
not fit the C type, with the messages its compiled code gave."""
from __future__ import annotations

import operator


def c_unsigned(value: object, bits: int) -> int:
    """`value` as an unsigned C integer of `bits` bits (u_int8_t, ...)."""
    number = operator.index(value)  # type: ignore[arg-type]
    if number < 0:
        raise OverflowError(f"can't convert negative value to u_int{bits}_t")
    if number >> bits:
        raise OverflowError(f"value too large to convert to u_int{bits}_t")
    return number

# SPDX-License-Identifier: GPL-2.0-or-later
"""Reading an agent's answers without trusting their types.

PROTOCOL.md lets an agent put an error name where a value was expected
(a getter that failed), and an agent written by someone else may leave a
member out or send the wrong type. The suite must then fail the case
with what it expected and what it got, never raise an exception of its
own (TypeError, KeyError): these helpers turn every such answer into an
AssertionError that says so.
"""
import json


class Event(dict):
    """One event an agent (or a traffic tool) reported. A member it left
    out fails the case by name instead of raising KeyError."""

    def __missing__(self, key):
        raise AssertionError(f"expected a member {key!r} in the {self.get('event')!r} event, "
                             f"the agent reported {json.dumps(self)[:600]}")


def _show(event, key):
    return f"{key!r} of {json.dumps(event)[:400]}"


def integer(event, key, nullable=True):
    """The integer `event[key]`, or None when null is allowed and it is null."""
    value = event[key]
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise AssertionError(f"expected an integer{' or null' if nullable else ''} as "
                             f"{_show(event, key)}, got {value!r}")
    return value


def hexbytes(value, what="payload_hex"):
    """The bytes of a hex string an agent reported."""
    if not isinstance(value, str):
        raise AssertionError(f"expected {what} as a hex string, the agent reported {value!r}")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise AssertionError(f"expected {what} as a hex string, the agent reported "
                             f"{value[:120]!r}") from None


def text(event, key):
    """The string `event[key]` (a message)."""
    value = event[key]
    if not isinstance(value, str):
        raise AssertionError(f"expected a string as {_show(event, key)}, got {value!r}")
    return value

# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks of what PROTOCOL.md promises about errors, and the separate,
stricter checks the project's own agents (c, python, go, rust) are held
to: the exact C call names, status codes and libnfqueue's wording. Those
are labelled "[own agents]" in their messages, so a failure of one is
never mistaken for a breach of the protocol.
"""
import pytest

from answers import text

OWN = "[own agents: libnfqueue's exact names] "


def needs(*capabilities):
    """@needs(...): the capabilities a case (or a parameter) needs."""
    return pytest.mark.needs(*capabilities)


def check_error(lab, error, name, code, call=None):
    """An "error" event: `name` is the protocol's error name (PROTOCOL.md,
    "Error names"), which every agent maps its binding's error onto; the
    call is named (the C function's name or the nearest equivalent). The
    project's own agents must also give libnfqueue's `code` and the exact
    C `call`."""
    assert error["name"] == name, \
        f"expected the error {name}, the agent reported {error['name']!r}: {error}"
    if call is not None:
        got = error["call"]
        assert isinstance(got, str) and got and got != "usage", \
            (f"expected the failing call named (PROTOCOL.md: {call} or the binding's nearest "
             f"equivalent), the agent reported {got!r}: {error}")
    if lab.own:
        assert error["code"] == code, f"{OWN}expected code {code}, got {error['code']!r}: {error}"
        if call is not None:
            assert error["call"] == call, \
                f"{OWN}expected the call {call!r}, got {error['call']!r}: {error}"


def check_wording(lab, event, key, word):
    """A detail message: every agent must pass one on (a non-empty string);
    the project's own agents must pass libnfqueue's, which says `word`."""
    message = text(event, key)
    assert message.strip(), f"expected a detail message as {key!r}, the agent sent an empty one"
    if lab.own:
        assert word.lower() in message.lower(), \
            f"{OWN}expected {key} to say {word!r}, it says {message!r}"

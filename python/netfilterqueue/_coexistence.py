# SPDX-License-Identifier: GPL-2.0-or-later
"""Telling a user whose environment holds both this drop-in and the PyPI
package NetfilterQueue.

Both install the directory ``netfilterqueue/`` with an ``__init__.py``;
pip lets whichever is installed last overwrite the other's, silently.
When this module runs, the ``__init__.py`` is ours; if NetfilterQueue's
own files (its compiled ``_impl`` module, ``_version.py``) lie beside it,
NetfilterQueue is installed too, and ``pip uninstall NetfilterQueue``
would delete our ``__init__.py`` with its own, leaving a ``netfilterqueue``
without NetfilterQueue in it. Said once, at import, with what to do.
"""
from __future__ import annotations

import os
import warnings

# Files only NetfilterQueue 1.x installs in netfilterqueue/.
_ORIGINAL_MARKS = ("_version.py", "_impl.pyx", "_impl.pxd", "_impl.pyi")

MESSAGE = (
    "netfilterqueue: the PyPI package NetfilterQueue is installed in this environment "
    "beside nfqueue's drop-in, and both install netfilterqueue/__init__.py; the drop-in's "
    "is in place now, so `pip uninstall NetfilterQueue` would break it. Keep one: for the "
    "drop-in, `pip uninstall -y NetfilterQueue && pip install --force-reinstall nfqueue`; "
    "for the original, `pip install --force-reinstall NetfilterQueue`.")


def original_files_beside(init_file: str) -> bool:
    """Whether NetfilterQueue's own files are in the directory of `init_file`."""
    here = os.path.dirname(os.path.abspath(init_file))
    try:
        names = os.listdir(here)
    except OSError:
        return False
    return any(name in _ORIGINAL_MARKS or name.startswith("_impl.") for name in names)


def warn_if_beside_original(init_file: str) -> None:
    if original_files_beside(init_file):
        warnings.warn(MESSAGE, RuntimeWarning, stacklevel=3)

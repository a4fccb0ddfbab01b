# SPDX-License-Identifier: GPL-2.0-or-later
"""Type hints on everything: mypy checks the installed packages (as a user's
type checker sees them, through their py.typed markers) with every
function required to be annotated."""
import subprocess
import sys


def test_the_packages_type_check(tmp_path):
    # From an empty directory, so mypy reads the installed packages, not
    # the source tree.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--disallow-untyped-defs", "--disallow-incomplete-defs",
         "--warn-unused-ignores", "--no-incremental", "-p", "nfqueue", "-p", "netfilterqueue"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

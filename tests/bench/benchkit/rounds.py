# SPDX-License-Identifier: GPL-2.0-or-later
"""Rounds interleaved across rows (A B C A B C ...), so that a machine
that slows down or speeds up meanwhile touches every row alike."""
import sys


def interleave(rows, rounds, measure):
    """{label: [measurement, ...]}; measure(row) returns a dict with at
    least "rate". A failed measurement is kept as {"error": text}, said
    on stderr, and the other rows go on."""
    results = {row.label: [] for row in rows}
    for _ in range(rounds):
        for row in rows:
            try:
                results[row.label].append(measure(row))
            except (RuntimeError, OSError, ValueError, IndexError) as e:
                print(f"harness: {row.label}: {e}", file=sys.stderr)
                results[row.label].append({"error": str(e)})
    return results

# SPDX-License-Identifier: GPL-2.0-or-later
"""benchkit - what every workload of tests/bench/harness.py shares:
throwaway namespaces (netns), the consumers' processes (consumers),
rounds interleaved across rows (rounds), and the table, JSON and chart
(report)."""

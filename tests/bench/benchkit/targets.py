# SPDX-License-Identifier: GPL-2.0-or-later
"""The targets of issue #14, checked against the tables of one run and
printed after them (never asserted: the figures of a shared machine are
noisy; the run says which it met)."""


def _row(tables, table, label):
    row = tables.get(table, {}).get("rows", {}).get(label)
    return row if row and "median" in row else None


def _ratio(tables, table, label, over):
    """The median over rounds of label's rate to over's, same round."""
    a, b = _row(tables, table, label), _row(tables, table, over)
    if not a or not b:
        return None
    pairs = list(zip(a["rounds"], b["rounds"]))
    ratios = sorted(x / y for x, y in pairs if y)
    return ratios[len(ratios) // 2] if ratios else None


def check(tables):
    """[(target, figure text, met: True/False/None when not measured)]."""
    results = []

    def target(text, value, goal, fmt="{:.2f}x"):
        results.append((text, "-" if value is None else fmt.format(value),
                        None if value is None else value >= goal))

    target("drain: C batch >= 1.05x nfq-batch", _ratio(tables, "drain", "batch", "nfq-batch"), 1.05)
    queues = tables.get("queues", {}).get("rows", {})
    for label, row in queues.items():
        if label.endswith(" 2 queues") and not label.startswith("nfq"):  # ours, not the baseline's
            mode = label[: -len(" 2 queues")]
            goal = 1.7 if mode == "batch" else 1.5
            target(f"queues: {mode} 2 queues >= {goal}x 1 queue", row.get("ratio"), goal)
    target("bulk: C batch with GSO >= 0.85x no queue rule",
           (_row(tables, "bulk", "batch gso") or {}).get("ratio"), 0.85)
    row = _row(tables, "bulk", "batch defaults")
    lost = None if not row else (row.get("queue_dropped") or 0) + (row.get("user_dropped") or 0)
    results.append(("bulk: C batch with the default configuration loses nothing",
                    "-" if lost is None else f"{lost:.0f} lost (median of rounds)",
                    None if lost is None else lost == 0))
    return results


def print_targets(results, quick=False):
    note = "a quick run: too small to judge by" if quick else "this run"
    print(f"\ntargets of issue #14 ({note}):")
    for text, figure, met in results:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[met]
        print(f"  {verdict:<12} {text}: {figure}")

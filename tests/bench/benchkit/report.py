# SPDX-License-Identifier: GPL-2.0-or-later
"""Tables: the summary of a table's rounds, printed, as JSON, as a chart.

A table is a dict: name, title, unit (of "rate"), rows (label -> summary),
baseline, extras (the workload's own columns: [(key, heading, format)])."""
import statistics
import sys
import textwrap


def summarize(rows, results, extras=()):
    """Median and min..max of each row's rate; its ratio to its baseline
    row in the same round (median over rounds); CPU per unit; peak RSS;
    the workload's extra columns as medians."""
    summary = {}
    for row in rows:
        runs = results[row.label]
        good = [r for r in runs if "error" not in r]
        entry = {"mode": row.mode, "env": row.env,
                 "errors": [r["error"] for r in runs if "error" in r]}
        if good:
            rates = [r["rate"] for r in good]
            cpu = [r["cpu_ns"] for r in good if r.get("cpu_ns") is not None]
            rss = [r["peak_rss_kib"] for r in good if r.get("peak_rss_kib") is not None]
            entry.update(median=statistics.median(rates), min=min(rates), max=max(rates),
                         rounds=rates, cpu_ns=statistics.median(cpu) if cpu else None,
                         peak_rss_kib=max(rss) if rss else None, settings=good[0].get("settings", ""))
            for key, _, _ in extras:
                values = [r[key] for r in good if r.get(key) is not None]
                entry[key] = statistics.median(values) if values else None
        if row.baseline is not None and row.baseline in results:
            ratios = [r["rate"] / b["rate"] for r, b in zip(runs, results[row.baseline])
                      if "error" not in r and "error" not in b and b["rate"]]
            entry["ratio"] = statistics.median(ratios) if ratios else None
        summary[row.label] = entry
    return summary


def _format(value, fmt):
    return "-" if value is None else format(value, fmt)


def print_table(table):
    rows, extras = table["rows"], table.get("extras", ())
    width = max([len(label) for label in rows] + [8])
    print(f"\n{table['name']}: {table['title']}")
    heading = (f"{'consumer':<{width}} {'median':>10} {'min..max':>19} {'ratio':>6} "
               f"{table['cpu_heading']:>8} {'RSS':>6}")
    for _, title, _ in extras:
        heading += f" {title:>{max(len(title), 7)}}"
    print(heading + "  queue as the kernel has it")
    for label, r in rows.items():
        if "median" not in r:
            print(f"{label:<{width}} failed: {'; '.join(r['errors'])[:200]}")
            continue
        rss = f"{r['peak_rss_kib'] / 1024:.1f}M" if r["peak_rss_kib"] else "-"
        ratio = f"{r['ratio']:.2f}x" if r.get("ratio") is not None else "-"
        line = (f"{label:<{width}} {r['median']:>10.0f} {r['min']:>9.0f}..{r['max']:<8.0f} {ratio:>6} "
                f"{_format(r['cpu_ns'], '.0f'):>8} {rss:>6}")
        for key, title, fmt in extras:
            line += f" {_format(r.get(key), fmt):>{max(len(title), 7)}}"
        failed = f"  ({len(r['errors'])} round(s) failed)" if r["errors"] else ""
        print(line + f"  {r['settings']}{failed}")
    print(f"(rate in {table['unit']}; ratio: {table['ratio_note']}; "
          f"{table['cpu_heading']}: consumer CPU ns per {table['cpu_unit']}, kernel work included)")


def draw(table, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"harness: no chart ({path}): matplotlib is not installed", file=sys.stderr)
        return
    rows = {label: r for label, r in table["rows"].items() if "median" in r}
    if not rows:
        return
    labels = list(rows)
    top = max(r["median"] for r in rows.values())
    scale = 1e6 if top > 5e6 else 1e3 if top > 5e3 else 1
    scale_name = {1e6: "million ", 1e3: "thousand ", 1: ""}[scale]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 0.4 * len(labels) + 1.8))
    left.barh(labels, [rows[m]["median"] / scale for m in labels],
              xerr=[[(rows[m]["median"] - rows[m]["min"]) / scale for m in labels],
                    [(rows[m]["max"] - rows[m]["median"]) / scale for m in labels]])
    left.set_xlabel(f"{scale_name}{table['unit']} (median, min..max)")
    left.invert_yaxis()
    right.barh(labels, [rows[m]["cpu_ns"] or 0 for m in labels], color="tab:orange")
    right.set_xlabel(f"consumer CPU ns per {table['cpu_unit']} (kernel work included)")
    right.invert_yaxis()
    fig.suptitle(textwrap.fill(f"{table['name']}: {table['title']}", 110))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"harness: chart written to {path}")

# SPDX-License-Identifier: GPL-2.0-or-later
"""The workloads of issue #14, one module each; each run(ctx) returns its
tables (see benchkit.report). In the order a full run takes them."""
from . import bulk, drain, headers, lossless, queues, rr, saturation

WORKLOADS = {
    "drain": drain.run,
    "headers": headers.run,
    "saturation": saturation.run,
    "lossless": lossless.run,
    "rr": rr.run,
    "bulk": bulk.run,
    "queues": queues.run,
}

# SPDX-License-Identifier: GPL-2.0-or-later
"""layers.py - which layer of a consumer a function belongs to.

  libnfqueue     this project's C library
  libnfq+libmnl  libnetfilter_queue, libmnl, libnfnetlink
  binding        the language binding's own code: the SWIG extension
                 (Python), the Go package and its cgo glue, the nfqueue1
                 crates (Rust); for the foreign rows their library
                 (florianl/go-nfqueue with mdlayher/netlink, the nfq crate)
  runtime        the language runtime: CPython's interpreter (which also
                 runs the nfqueue package's Python code and the consumer's
                 loop: callgrind sees C functions only), Go's runtime and
                 standard library, Rust's std/core/alloc and nix
  consumer       the bench consumer's own code (C, Go main, Rust main)
  libc           glibc (syscall wrappers, locks, memset/memcpy) and the vDSO
  startup        the dynamic loader: startup only, gone in the difference
  other          what valgrind could not name
"""
import os
import subprocess
from pathlib import Path

GO_PACKAGE = str(Path(__file__).resolve().parents[3] / "go") + "/"  # the repository's go/

LAYERS = ["libnfqueue", "libnfq+libmnl", "binding", "runtime", "consumer", "libc",
          "startup", "other"]


def capi_functions(library):
    """The names of the C library's functions, statics too (nm): the
    Python extension has the C library compiled in, without debug
    information, so only a function's name says which part it is."""
    out = subprocess.run(["nm", "--defined-only", library], capture_output=True, text=True,
                         check=True).stdout
    names = {line.split()[2].split(".")[0] for line in out.splitlines()
             if len(line.split()) == 3 and line.split()[1] in "tT"}
    # Every shared object has these: not the library's.
    return names - {"_init", "_fini", "__do_global_dtors_aux", "frame_dummy",
                    "register_tm_clones", "deregister_tm_clones"}


def by_object(obj, fl, fn, family, capi=()):
    """Layer of function `fn` of object file `obj`, source file `fl`
    (callgrind); `capi`: capi_functions()."""
    base = os.path.basename(obj)
    if base.startswith("libnfqueue.so") or "/capi/src/" in fl or \
            (base.startswith("_nfqueue") and fn.split(".")[0] in capi):
        return "libnfqueue"
    if base.startswith(("libnetfilter_queue.so", "libmnl.so", "libnfnetlink.so")):
        return "libnfq+libmnl"
    if base.startswith(("libc.so", "libpthread", "libgcc_s", "libm.so")) or "vdso" in base:
        return "libc"
    if base.startswith("ld-linux"):
        return "startup"
    if base.startswith("_nfqueue"):
        return "binding"
    if base.startswith(("libpython", "python")) or "/lib-dynload/" in obj:
        return "runtime"
    if family == "rust" and base in ("nfqueue-bench-consumer-rust", "nfq-rs"):
        if "nfqueue1" in fn or "nfq::" in fn:
            return "binding"
        if "nfqueue_bench_consumer_rust" in fn or "nfq_rs::" in fn:
            return "consumer"
        return "runtime"
    if family == "c" and base.startswith("nfqueue-bench"):
        return "consumer"
    return "other"


def by_source(costs):
    """{(file, fn): Ir} from cachegrind (Go) -> {layer: Ir}. The C
    library's functions are known by their source files under capi/src;
    code inlined there from a system header keeps the function's name."""
    capi = {fn for (fl, fn) in costs if "/capi/src/" in fl}
    out = dict.fromkeys(LAYERS, 0)
    for (fl, fn), ir in costs.items():
        out[_go_layer(fl, fn, capi)] += ir
    return out


def _go_layer(fl, fn, capi):
    if fn in capi:
        return "libnfqueue"
    if fn.startswith(("mnl_", "nfq_", "nfnl_")):
        return "libnfq+libmnl"
    if fn.startswith(("github.com/nfqueue/nfqueue/go", "_cgo_", "gonfq_",
                      "github.com/florianl/", "github.com/mdlayher/")) or fl.startswith(GO_PACKAGE):
        return "binding"
    if fn.startswith("main."):
        return "consumer"
    if fl.startswith("./") or "@GLIBC" in fn:
        return "libc"
    if fn == "???":
        return "other"
    return "runtime"

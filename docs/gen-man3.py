#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Section-3 manual pages from the comments of capi/include/nfqueue.h.

    gen-man3.py HEADER MAP VERSION OUTDIR   write the pages into OUTDIR
    gen-man3.py HEADER MAP VERSION --list   print the page file names
    gen-man3.py HEADER MAP VERSION --check  fail if a function or type lacks its comment

The header is the reference: each public function, type and constant has
its comment right above it, and this script only moves that wording into
man(7) markup. It reads, in order:
  - section banners ("/* ---- ... Title ... ---- */"), whose text after the
    title applies to every declaration of the section (NOTES);
  - a comment directly followed (no blank line) by NFQUEUE_API
    declarations: one page named after the first function, and a page
    that sources it (.so) for each further function of the group;
  - a comment directly followed by a typedef'd enum, struct or callback:
    one page named after the type;
  - #define constants, typedefs of opaque structs, and the header's first
    comment (ABI rules, threads): gathered on the overview page nfqueue(3).
Every public function and type must have its comment (--check, a test of
the docs suite, says which lacks one; the pages are written regardless, so
the build never stops for it). The symbol version of each function comes
from the version script.
"""
import re
import sys
from pathlib import Path

SEE_ALSO_BASE = ["nfqueue(3)", "nfqueue_strerror(3)", "nfqueue_last_error(3)"]


class Decl:
    def __init__(self, kind, names, code, comment, section):
        self.kind = kind          # "function", "type", "define", "opaque"
        self.names = names        # functions or the type's name
        self.code = code          # the declaration(s), as written
        self.comment = comment    # the comment above, without markers
        self.section = section    # (title, text) of the section banner


def comment_text(raw):
    """A C comment's text, without /*, */ and the leading " * "."""
    body = raw.strip()
    body = body[2:-2] if body.startswith("/*") and body.endswith("*/") else body
    lines = []
    for line in body.split("\n"):
        line = re.sub(r"^\s*\* ?", "", line) if re.match(r"^\s*\*", line) else line.strip()
        lines.append(line.rstrip())
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def tokens(text):
    """("comment"|"code"|"blank", text) items of the header, in order."""
    out, i, lines = [], 0, text.split("\n")
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            out.append(("blank", ""))
            i += 1
        elif stripped.startswith("/*"):
            block = [line]
            while "*/" not in lines[i]:
                i += 1
                block.append(lines[i])
            out.append(("comment", "\n".join(block)))
            i += 1
        elif stripped.startswith("#"):
            out.append(("code", line))
            i += 1
        else:
            block, depth = [], 0
            while True:
                block.append(lines[i])
                depth += lines[i].count("{") - lines[i].count("}")
                if depth <= 0 and re.search(r";\s*(/\*.*\*/)?\s*$", lines[i]) or \
                        lines[i].strip() in ('extern "C" {', "}"):
                    break
                i += 1
            out.append(("code", "\n".join(block)))
            i += 1
    return out


def parse(text):
    # The licence line is not documentation: skip it, then the first
    # comment is the header's introduction.
    items = [t for t in tokens(text)
             if not (t[0] == "comment" and "SPDX-License-Identifier" in t[1])]
    intro = comment_text(items[0][1]) if items and items[0][0] == "comment" else ""
    decls, section, pending = [], ("", ""), None
    k = 1
    while k < len(items):
        kind, body = items[k]
        if kind == "comment":
            txt = comment_text(body)
            if txt.startswith("---"):
                parts = [l for l in txt.split("\n") if not l.startswith("---")]
                title = parts[0].strip() if parts else ""
                section = (title, "\n".join(parts[1:]).strip())
                pending = None
            else:
                pending = txt
            k += 1
            continue
        if kind == "blank":
            pending = None
            k += 1
            continue
        code = body
        if code.startswith("NFQUEUE_API"):
            group = [code]
            while k + 1 < len(items) and items[k + 1][0] == "code" and \
                    items[k + 1][1].startswith("NFQUEUE_API"):
                k += 1
                group.append(items[k][1])
            names = [re.search(r"(nfqueue_\w+)\s*\(", g).group(1) for g in group]
            decls.append(Decl("function", names, [g.replace("NFQUEUE_API ", "") for g in group],
                              pending or "", section))
        elif re.match(r"typedef (enum|struct) \w+ \{", code) or code.startswith("typedef int (*"):
            name = re.search(r"\}\s*(\w+)\s*;\s*$", code) or re.search(r"\(\*(\w+)\)", code)
            decls.append(Decl("type", [name.group(1)], [code], pending or "", section))
        elif re.match(r"typedef struct \w+ \w+;", code):
            decls.append(Decl("opaque", [code.split()[-1].rstrip(";")], [code], "", section))
        elif code.startswith("#define NFQUEUE_") and not code.startswith("#define NFQUEUE_API") \
                and not code.startswith("#define NFQUEUE_H"):
            if decls and decls[-1].kind == "define" and decls[-1].comment == (pending or "") \
                    and pending is not None and decls[-1].section == section:
                decls[-1].names.append(code.split()[1])
                decls[-1].code.append(code)
            else:
                decls.append(Decl("define", [code.split()[1]], [code], pending or "", section))
            k += 1
            continue  # a run of #defines shares the comment above it
        pending = None
        k += 1
    return intro, decls


def symbol_nodes(map_text):
    text = re.sub(r"/\*.*?\*/", " ", map_text, flags=re.S)
    nodes = {}
    for m in re.finditer(r"([A-Za-z_][\w.]*)\s*\{(.*?)\}", text, re.S):
        for sym in re.findall(r"\b(nfqueue_\w+)\s*;", m.group(2)):
            nodes[sym] = m.group(1)
    return nodes


# ---- man(7) output ----

def esc(text):
    """Escape for roff: backslashes, and a leading . or ' of a line."""
    text = text.replace("\\", "\\e")
    return "\n".join(("\\&" + l) if l[:1] in (".", "'") else l for l in text.split("\n"))


def paragraphs(text):
    """Comment text as roff, by its indentation: a blank line starts a
    paragraph; "- " starts a bullet, which goes on while lines are indented
    deeper than its dash; a short line without punctuation over indented
    lines is a subheading (the header's "Threads"); the rest is filled."""
    out, bullet = [], None
    lines = text.split("\n")
    for i, line in enumerate(lines):
        s = line.strip()
        indent = len(line) - len(line.lstrip())
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if not s:
            out.append(".PP")
            bullet = None
        elif re.match(r"^-\s", s):
            out.append(".IP \\(bu 2")
            out.append(esc(s[2:].strip()))
            bullet = indent
        else:
            if bullet is not None and indent <= bullet:
                out.append(".PP")
                bullet = None
            next_indent = len(following) - len(following.lstrip())
            if bullet is None and following.strip() and next_indent > indent and \
                    not re.search(r"[.:;,)]$", s) and len(s.split()) <= 3:
                out.append(".SS " + esc(s))
            else:
                out.append(esc(s))
    return "\n".join(out)


def code_block(lines):
    return ".nf\n" + esc("\n".join(lines)) + "\n.fi"


def header(name, version, summary):
    return (f'.\\" Generated by docs/gen-man3.py from nfqueue.h: edit the header, not this.\n'
            f'.TH {name.upper()} 3 "" "libnfqueue {version}" "libnfqueue manual"\n'
            f".SH NAME\n{name} \\- {esc(summary)}\n")


def summary_of(comment):
    first = re.sub(r"^1\.1\.\s*", "", " ".join(comment.split("\n")).strip())
    m = re.match(r"(.+?\.)(\s|$)", first)
    s = (m.group(1) if m else first).rstrip(".")
    word = s.split(" ", 1)[0]
    keep = "_" in word or (len(word) > 1 and word.isupper())
    return s if keep else s[:1].lower() + s[1:]


def function_page(d, version, nodes, groups):
    name = d.names[0]
    names = ", ".join(d.names)
    out = [header(name, version, summary_of(d.comment)).replace(
        f".SH NAME\n{name} ", f".SH NAME\n{names} ", 1)]
    out.append(".SH SYNOPSIS\n.nf\n.B #include <nfqueue.h>\n.fi\n.PP")
    out.append(code_block(d.code))
    out.append(".PP\nLink with \\fB\\-lnfqueue\\fR (\\fBpkg\\-config \\-\\-libs libnfqueue\\fR).")
    out.append(".SH DESCRIPTION\n" + paragraphs(re.sub(r"^1\.1\.\s*", "", d.comment)))
    if d.section[1]:
        out.append(f".SH NOTES\nFrom the header's section \\(lq{esc(d.section[0])}\\(rq:\n.PP\n"
                   + paragraphs(d.section[1]))
    versions = sorted({nodes.get(n, "?") for n in d.names})
    if versions != ["?"]:
        out.append(".SH VERSIONS\n" + esc(", ".join(d.names)) + " belong" +
                   ("s" if len(d.names) == 1 else "") + " to the symbol version node " +
                   " and ".join(f"\\fB{v}\\fR" for v in versions) + " of libnfqueue.so.1.")
    related = [f"{n}(3)" for n in re.findall(r"\b(nfqueue_[a-z_]+)\(\)", d.comment + d.section[1])
               if n in groups and n not in d.names]
    see = list(dict.fromkeys(related + [s for s in SEE_ALSO_BASE if s[:-3] not in d.names]))
    out.append(".SH SEE ALSO\n" + ",\n".join(f".BR {s[:-3]} (3)" for s in see))
    return "\n".join(out) + "\n"


def type_page(d, version):
    name = d.names[0]
    out = [header(name, version, summary_of(d.comment) if d.comment else "a libnfqueue type")]
    out.append(".SH SYNOPSIS\n.nf\n.B #include <nfqueue.h>\n.fi\n.PP")
    out.append(code_block(d.code))
    if d.comment:
        out.append(".SH DESCRIPTION\n" + paragraphs(re.sub(r"^1\.1\.\s*", "", d.comment)))
    out.append(".SH SEE ALSO\n.BR nfqueue (3)")
    return "\n".join(out) + "\n"


def overview_page(intro, decls, version):
    out = [header("nfqueue", version, "stable C ABI for Linux netfilter NFQUEUE")]
    out.append(".SH SYNOPSIS\n.nf\n.B #include <nfqueue.h>\n.fi\n.PP\n"
               "Link with \\fB\\-lnfqueue\\fR (\\fBpkg\\-config \\-\\-cflags \\-\\-libs "
               "libnfqueue\\fR).")
    out.append(".SH DESCRIPTION\n" + paragraphs(re.sub(r"^nfqueue\.h - [^\n]*\n\n?", "", intro)))
    section = None
    for d in decls:
        if d.section[0] != section:
            section = d.section[0]
            out.append(f".SS {esc(section)}")
        if d.kind == "function":
            for n in d.names:
                out.append(f".TP\n.BR {n} (3)\n{esc(summary_of(d.comment))}")
        elif d.kind == "type":
            out.append(f".TP\n.BR {d.names[0]} (3)\n{esc(summary_of(d.comment)) if d.comment else ''}")
        elif d.kind == "opaque":
            out.append(f".TP\n.B {d.names[0]}\nan opaque handle, used only through pointers")
        else:
            defines = [esc(c[len("#define "):].strip()) for c in d.code]
            out.append(".PP\n.nf\n" + "\n".join(f"\\fB{x}\\fR" for x in defines) + "\n.fi\n.RS" +
                       ("\n" + paragraphs(d.comment) if d.comment else "") + "\n.RE")
    out.append(".SH SEE ALSO\n.BR nfqueue (1),\n.BR iptables\\-extensions (8)")
    return "\n".join(out) + "\n"


def problems(header_text, map_text):
    """What keeps the pages from covering the API: exported functions the
    header does not declare, and declarations without a comment above."""
    _, decls = parse(header_text)
    funcs = {n for d in decls if d.kind == "function" for n in d.names}
    found = [f"{n}: exported (libnfqueue.map) but not declared in the header"
             for n in sorted(set(symbol_nodes(map_text)) - funcs)]
    found += [f"{d.names[0]}: no comment right above its declaration"
              for d in decls if d.kind in ("function", "type") and not d.comment]
    return found


def pages(header_text, map_text, version):
    intro, decls = parse(header_text)
    nodes = symbol_nodes(map_text)
    funcs = {n for d in decls if d.kind == "function" for n in d.names}
    result = {"nfqueue.3": overview_page(intro, decls, version)}
    for d in decls:
        if d.kind == "function":
            result[f"{d.names[0]}.3"] = function_page(d, version, nodes, funcs)
            for other in d.names[1:]:
                result[f"{other}.3"] = f".so man3/{d.names[0]}.3\n"
        elif d.kind == "type":
            result[f"{d.names[0]}.3"] = type_page(d, version)
    return result


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__)
    header_text = Path(argv[1]).read_text()
    map_text = Path(argv[2]).read_text()
    if argv[4] == "--check":
        found = problems(header_text, map_text)
        for line in found:
            print(f"gen-man3: {line}", file=sys.stderr)
        return 1 if found else 0
    result = pages(header_text, map_text, argv[3])
    if argv[4] == "--list":
        print("\n".join(sorted(result)))
        return 0
    outdir = Path(argv[4])
    outdir.mkdir(parents=True, exist_ok=True)
    for name, text in result.items():
        (outdir / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

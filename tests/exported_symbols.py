#!/usr/bin/env python3
"""tests/exported_symbols.py — the shared library exports exactly the
documented API.

Usage: exported_symbols.py LIBEMBODIED.so INCLUDE_DIR

Fails (TAP "not ok") on
  - a function declared in INCLUDE_DIR/embodied/*.h without EMB_API;
  - a declared function the library does not export (nm -D --defined-only);
  - an exported symbol no public header declares (an internal function or
    variable leaking into the ABI).
"""
import glob
import os
import re
import subprocess
import sys

# Symbols the linker itself defines in every shared object.
LINKER_SYMBOLS = {"_init", "_fini", "_edata", "_end", "__bss_start"}


def header_functions(include_dir):
    """{name: (header, has_EMB_API)} of every function declared in the headers."""
    found = {}
    for path in sorted(glob.glob(os.path.join(include_dir, "embodied", "*.h"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)
        for stmt in re.split(r"[;{}]", text):
            stmt = stmt.strip()
            if not stmt or stmt.startswith("typedef") or stmt.startswith('extern "C"'):
                continue
            m = re.search(r"(?<!\(\*)\b(emb_\w+)\s*\(", stmt)
            if not m:
                continue
            found[m.group(1)] = (os.path.basename(path), re.match(r"EMB_API\b", stmt) is not None)
    return found


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] not in LINKER_SYMBOLS:
            syms.add(parts[2].split("@")[0])
    return syms


def main():
    lib, include_dir = sys.argv[1], sys.argv[2]
    declared = header_functions(include_dir)
    syms = exported(lib)
    checks = [
        ("every function of the public headers carries EMB_API",
         sorted(f"{n} ({h})" for n, (h, api) in declared.items() if not api)),
        ("every function of the public headers is exported by " + os.path.basename(lib),
         sorted(n for n in declared if n not in syms)),
        ("nothing else is exported (symbols no public header declares)",
         sorted(s for s in syms if s not in declared)),
    ]
    print(f"1..{len(checks)}")
    failed = 0
    for i, (what, bad) in enumerate(checks, 1):
        if bad:
            failed += 1
            print(f"not ok {i} - {what}: " + ", ".join(bad))
        else:
            print(f"ok {i} - {what}")
    print(f"# {len(declared)} functions declared, {len(syms)} symbols exported")
    if not declared:
        print("Bail out! no function found in the headers: the parser is broken")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Where the dashboard's wasm bytes go, per crate (BENCHMARKS.md, "Dashboard weight").

    cargo build -p frontend --target wasm32-unknown-unknown --profile wasm-release
    bench/wasm_breakdown.py [WASM]

WASM defaults to the build above, before wasm-bindgen and wasm-opt, so every
function still has its name. Needs twiggy (`cargo install --locked twiggy
--version 0.8.0`). Sizes are twiggy's shallow bytes; a generic function
counts for the crate that defines it (a component's body inlined into
`reactive_graph::untrack_with_diagnostics` counts for reactive_graph), and
wasm-bindgen's describe functions and the name sections, which the shipped
wasm does not have, are left out.
"""
import collections
import csv
import io
import os
import re
import subprocess
import sys

target = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "..", "target"))
wasm = sys.argv[1] if len(sys.argv) > 1 else os.path.join(target, "wasm32-unknown-unknown", "wasm-release", "frontend.wasm")
out = subprocess.run(["twiggy", "top", "-n", "1000000", "--format", "csv", wasm], check=True, capture_output=True, text=True).stdout

by_crate = collections.Counter()
by_page = collections.Counter()
for row in csv.DictReader(io.StringIO(out)):
    name, size = row["Name"], int(row["ShallowSize"])
    if "function names" in name or "custom section" in name or "__wbindgen_describe" in name:
        continue
    # `<T as crate::Trait>::f` counts for T's crate when T names one, else the trait's.
    m = re.match(r"^<+&?(?:mut )?(?:dyn )?([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::", name) or re.match(
        r"^<[A-Z][A-Za-z0-9_]* as ([a-z_][a-z0-9_]*)::", name) or re.match(r"^([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::", name)
    by_crate[m.group(1) if m else ("data" if name.startswith("data segment") else "other")] += size
    page = re.search(r"app::pages::([a-z_]+)", name)
    if page:
        by_page[page.group(1)] += size

total = sum(by_crate.values())
print(f"{total:>9,} bytes in all")
for crate, size in by_crate.most_common(20):
    print(f"{size:>9,} {100 * size / total:5.1f}%  {crate}")
print("app pages (functions named after them):")
for page, size in by_page.most_common(10):
    print(f"{size:>9,}  {page}")

#!/usr/bin/env python3
"""Make an extracted nats.js (v3 monorepo) checkout runnable offline.

jsr.io is unreachable from the development machines, so every jsr: import
of its deno.json files is replaced: @std/assert, @std/bytes, @std/io and
@std/fmt by the stand-ins in shims/ (copied next to the checkout), and
@nats-io/nkeys, nuid and jwt by the same packages from the npm registry.
The workspace's own packages resolve locally as before.

usage: prepare.py /tmp/natsjs
"""
import glob
import json
import os
import shutil
import sys

root = os.path.abspath(sys.argv[1])
here = os.path.dirname(os.path.abspath(__file__))
shutil.copytree(os.path.join(here, "shims"), os.path.join(root, "shims"), dirs_exist_ok=True)
for name in ("run.sh", "cmp.sh"):
    shutil.copy(os.path.join(here, name), root)

npm = {
    "@nats-io/nkeys": "npm:@nats-io/nkeys@2.0.3",
    "@nats-io/nuid": "npm:@nats-io/nuid@3.0.0",
    "@nats-io/jwt": "npm:@nats-io/jwt@0.0.11",
}
shims = {"@std/assert": "assert.ts", "@std/bytes": "bytes.ts", "@std/io": "io.ts", "@std/fmt": ""}
for f in [os.path.join(root, "deno.json")] + glob.glob(os.path.join(root, "*", "deno.json")):
    d = json.load(open(f))
    imp = d.get("imports")
    if not imp:
        continue
    rel = os.path.relpath(os.path.join(root, "shims"), os.path.dirname(f))
    if not rel.startswith("."):
        rel = "./" + rel
    for k in list(imp):
        if k in npm:
            imp[k] = npm[k]
        elif k in shims:
            imp[k] = rel + "/" + shims[k]
        elif k == "@std/fmt/colors":
            imp[k] = rel + "/colors.ts"
        elif imp[k].startswith(("jsr:", "https:")):
            del imp[k]  # only the repository's tools use these
    json.dump(d, open(f, "w"), indent=2)
# Deno would otherwise read the npm workspace of package.json.
if os.path.exists(os.path.join(root, "package.json")):
    os.rename(os.path.join(root, "package.json"), os.path.join(root, "_package.json"))

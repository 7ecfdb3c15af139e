#!/bin/sh
# python3 -c doing ordinary work (no JIT): it simply runs, output unchanged.
. "$ROOT/test/clients/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
run_client python3 0 python3 -c 'import json, re, hashlib
d = {str(i): i * i for i in range(20000)}
print(len(json.dumps(d)), sum(d.values()), hashlib.sha256(b"x" * 100000).hexdigest()[:16])
print(len(re.findall(r"\d+", " ".join(d))))'

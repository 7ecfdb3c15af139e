#!/bin/sh
# node runs a hot function that V8 compiles: same output with and without the
# library, and V8's generated code is captured.
. "$ROOT/test/clients/lib.sh"
command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed"; exit 77; }
run_client node 3 node -e 'function f(x){return x*x+1} let s=0; for(let i=0;i<3e6;i++) s+=f(i%1000); console.log(s)'

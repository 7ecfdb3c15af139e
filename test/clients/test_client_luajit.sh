#!/bin/sh
# luajit -e with a hot loop: same output, traces captured.
. "$ROOT/test/clients/lib.sh"
need_package luajit luajit
run_client luajit 1 luajit -e 'local s=0 for i=1,1e7 do s=s+i%7 end print(s)'

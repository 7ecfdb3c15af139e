# scripts/memwatch.gdb - gdb set-up for a program running under libmemwatch.
#
# Under the library, SIGSEGV is routine: every access to a watched page and
# every first run of captured code is a fault the library handles and
# resumes.  gdb would stop at each one.  This script lets those pass
# silently and stops only on a crash: the fault nobody handles, which the
# library ends in mw_chain_die() (restoring the default action, after which
# the instruction faults again).  The breakpoint there turns SIGSEGV and
# SIGBUS stops back on, so gdb stops at the faulting instruction in the
# program's own code, with the program's own backtrace, just as it would
# without the library.
#
#   gdb -x scripts/memwatch.gdb \
#       -ex "set exec-wrapper env LD_PRELOAD=$PWD/build/libmemwatch.so" --args ./prog args
#
# The exec-wrapper gives the library (and any MEMWATCH_* variable: env
# LD_PRELOAD=... MEMWATCH_WATCH=counter) to the program alone, not to gdb nor
# to the shell that starts the program.  A program linked with -lmemwatch
# needs no wrapper.
#
# The breakpoint needs the library's symbol table (build/libmemwatch.so and
# an installed one keep it); with a stripped library, gdb reports the crash
# only as "Program terminated with signal SIGSEGV".  Each handled fault is
# still a round trip through gdb: a program that touches watched memory
# millions of times runs much slower under gdb than without it.

# The library's faults: let them through, unseen.
handle SIGSEGV nostop noprint pass
handle SIGBUS nostop noprint pass

# The library is loaded when the program starts: the breakpoint waits for it.
set breakpoint pending on
break mw_chain_die
commands
  silent
  echo memwatch: a fault the program does not handle (a real crash): stopping where it happens\n
  handle SIGSEGV stop print
  handle SIGBUS stop print
  continue
end
set breakpoint pending auto

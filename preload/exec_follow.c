/* placeholder */
#include "preload/exec_follow.h"
#include <errno.h>
long mw_exec_follow(long nr, const long a[6]) { (void)nr; (void)a; return -EPERM; }

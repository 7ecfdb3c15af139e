#!/bin/sh
# Proves a capture holds only the pages written, even when the kernel backs
# the code cache with a transparent huge page (every one of its 512 pages
# resident after one write): test_capture_only_written_pages.sh with the
# cache 2 MiB aligned and madvised MADV_HUGEPAGE; skipped when the kernel
# gives no huge page.
VARIANT=huge
# shellcheck source=test/capture/test_capture_only_written_pages.sh
. "$ROOT/test/capture/test_capture_only_written_pages.sh"

#!/bin/sh
# Retention: with repo1-retention-full=2 (count), two more full backups
# expire the oldest full backup with its differential ones, and the WAL
# before the oldest kept backup. Prints info before and after. Run after
# backup.sh.
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"
br_repo info | grep -E 'wal archive|backup:'
for _k in 1 2; do
    br_repo backup --type=full 2>&1 | grep -E 'new backup label|expire full|remove expired|remove archive' | cut -c25-
done
br_repo info | grep -E 'wal archive|backup:'

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs bench/analytics on the server of SVOIKRUG_DATABASE_URL, else on the private cluster,
# then the BG/NBD fit on CDNOW (bench/bgnbd).
#   bench/analytics.sh                         # 100,000 members, 12 months of demo purchases
#   bench/analytics.sh --members 5000          # a quick run
#   bench/analytics.sh --keep                  # keep the loaded club; later: --database NAME
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${SVOIKRUG_BUILD_DIR:-$root/_build}

if [ -z "${SVOIKRUG_DATABASE_URL:-}" ]; then
  "$root/scripts/svoikrug-pg" start >/dev/null
  SVOIKRUG_DATABASE_URL=$(SVOIKRUG_PG_DBNAME=postgres "$root/scripts/svoikrug-pg" url)
  export SVOIKRUG_DATABASE_URL
fi

ninja -C "$build" bench/analytics bench/bgnbd >/dev/null
"$build/bench/analytics" "$@"
echo
exec "$build/bench/bgnbd"

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs bench/ingest on the server of SVOIKRUG_DATABASE_URL, else on the private cluster.
#   bench/ingest.sh                                  # 1,000,000 purchases, 100,000 members
#   bench/ingest.sh --purchases 20000 --members 2000 # a quick run
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${SVOIKRUG_BUILD_DIR:-$root/_build}

if [ -z "${SVOIKRUG_DATABASE_URL:-}" ]; then
  "$root/scripts/svoikrug-pg" start >/dev/null
  SVOIKRUG_DATABASE_URL=$("$root/scripts/svoikrug-pg" url)
  export SVOIKRUG_DATABASE_URL
fi

ninja -C "$build" bench/ingest >/dev/null
exec "$build/bench/ingest" "$@"

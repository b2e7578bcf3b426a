#!/usr/bin/env bash
# seed.sh: load the demo data of db/seed.sql (3 hotels, 4 room types each, 365 nights
# of inventory from today) into a lastroom database, in one transaction.
#
#   scripts/seed.sh [URL]
#
# URL defaults to $LASTROOM_DB_URL, else the private cluster's (scripts/pg.sh url).
# Additive: running it again creates nothing twice and only adds nights that are
# missing at the end of each room type's inventory. Prints one line per hotel.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
url=${1:-${LASTROOM_DB_URL:-}}
[ -n "$url" ] || url=$("$ROOT/scripts/pg.sh" url)
psql -X -q -v ON_ERROR_STOP=1 --single-transaction -P pager=off -f "$ROOT/db/seed.sql" "$url"

#!/bin/sh
# db1's backup job: a plain-format base backup with a SHA-256 manifest, a custom-format
# logical dump, and manifest.json (sha256 of the dump and of the base backup's own
# manifest, which covers every base file; per-table row counts).
# Usage: backup.sh BACKUP_DIR SOCKET_DIR PORT   (run as postgres)
set -eu
dest=$1 sock=$2 port=$3
ts=$(date -u +%Y%m%dT%H%M%SZ)
dir="$dest/$ts"
mkdir -p "$dir"
count_rows() {
  psql -h "$sock" -p "$port" -d trading -XAt -v ON_ERROR_STOP=1 -c "
  SELECT string_agg(format('\"%s\": %s', c.relname,
         (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', c.relname),
          false, true, '')))[1]::text), ', ' ORDER BY c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind = 'r'"
}
# the counts must be the base backup's and the dump's: the same before the one and after the
# other, else both are taken again
for attempt in 1 2 3; do
  counts=$(count_rows)
  rm -rf "$dir/base"
  pg_basebackup -h "$sock" -p "$port" -D "$dir/base" -Fp --manifest-checksums=SHA256 --checkpoint=fast
  pg_dump -h "$sock" -p "$port" -Fc -f "$dir/trading.dump" trading
  [ "$(count_rows)" = "$counts" ] && break
  [ "$attempt" = 3 ] && { echo "backup.sh: rows changed during every attempt" >&2; exit 1; }
done
files=$(cd "$dir" && sha256sum trading.dump base/backup_manifest |
        awk '{ printf "%s\"%s\": \"%s\"", (NR > 1 ? ", " : ""), $2, $1 }')
printf '{"taken_at": "%s", "database": "trading", "row_counts": {%s}, "files": {%s}}\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$counts" "$files" > "$dir/manifest.json"
ln -sfn "$ts" "$dest/latest"
ls -1d "$dest"/20*Z | head -n -3 | xargs -r rm -rf

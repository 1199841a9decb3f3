#!/bin/sh
# The sandbox's rollback runbook (docs/architecture.md#sandbox), run as root; the deploy user runs it with sudo.
#   rollback back      every app node to the previous release and the configuration kept
#                      beside it, then the database down-migrated to the previous schema
#   rollback forward   the database migrated up to the candidate's schema, then every app
#                      node to the candidate and its configuration
# The previous release runs on the candidate's schema (its migrations are additive), so going
# back switches the nodes first and going forward migrates first. Each step is checked (the
# artifact against the registry's sha256, each node's restart, each migration); the first
# failure stops the runbook with a non-zero status and says why.
set -eu
. "${ROLLBACK_CONF:-@CONF@}"

say() { printf 'rollback: %s\n' "$*"; }
fail() { printf 'rollback: FAILED: %s\n' "$*" >&2; exit 1; }
sql() {
    PGOPTIONS='-c client_min_messages=warning' runuser -u postgres -- "$PG_BIN/psql" -h "$PG_SOCKET" -p "$PG_PORT" -d "$DB_NAME" \
        -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}
schema() { sql -c "SELECT coalesce(max(version), 0) FROM schema_migrations"; }
first() { for f in $1; do [ -e "$f" ] && { echo "$f"; return 0; }; done; return 1; }

switch() {  # switch HOST VERSION: the node's artifact, configuration and `current` link
    host=$1 version=$2
    eval "rel=\$${host}_releases conf=\$${host}_config"
    war="$rel/$version/trading.war" kept="$rel/$version/application.properties"
    [ -f "$war" ] || fail "$host: $war is missing"
    want=$(awk -v n="trading-$version.war" '$2 == n { print $1 }' "$REGISTRY_SUMS")
    have=$(sha256sum "$war" | cut -d' ' -f1)
    [ -n "$want" ] && [ "$have" = "$want" ] || fail "$host: $war is not the registry's build"
    [ -f "$kept" ] || fail "$host: $kept is missing"
    install -o "$APP_USER" -g "$APP_USER" -m 0600 "$kept" "$conf.rollback"
    mv -f "$conf.rollback" "$conf"
    ln -sfn "$version" "$rel/.current.rollback"
    mv -Tf "$rel/.current.rollback" "$rel/current"
    "$SERVICE" stop "$host" tomcat >/dev/null
    "$SERVICE" start "$host" tomcat >/dev/null || fail "$host: Tomcat did not start on $version"
    say "$host: serving $version with $kept"
}

nodes() {  # every app node to VERSION, in parallel
    pids=""
    for host in $APP_HOSTS; do
        switch "$host" "$1" &
        pids="$pids $!"
    done
    failed=0
    for pid in $pids; do wait "$pid" || failed=1; done
    [ "$failed" = 0 ] || fail "not every app node is on $1"
}

db_back() {
    n=$(schema)
    while [ "$n" -gt "$PREVIOUS_SCHEMA" ]; do
        f=$(first "$MIGRATIONS/down/V${n}__*.sql") || fail "db: V$n has no down-migration"
        sql -f "$f" >/dev/null
        [ "$(schema)" -lt "$n" ] || fail "db: $f left schema version $n"
        say "db: V$n down ($f)"
        n=$(schema)
    done
}

db_forward() {
    n=$(schema)
    while [ "$n" -lt "$CANDIDATE_SCHEMA" ]; do
        n=$((n + 1))
        f=$(first "$MIGRATIONS/V${n}__*.sql") || fail "db: no migration V$n"
        sql -f "$f" >/dev/null
        sql -f "$MIGRATIONS/grants.sql" >/dev/null
        [ "$(schema)" -ge "$n" ] || fail "db: $f did not reach schema version $n"
        say "db: V$n up ($f)"
    done
}

case "${1:-}" in
    back)
        say "back to $PREVIOUS"
        nodes "$PREVIOUS"
        db_back
        ;;
    forward)
        say "forward to $CANDIDATE"
        db_forward
        nodes "$CANDIDATE"
        ;;
    *)
        echo "usage: rollback back|forward" >&2
        exit 2
        ;;
esac
say "done"

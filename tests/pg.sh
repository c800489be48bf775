# tests/pg.sh - a PostgreSQL 15 server of a test's own: Debian's
# binaries, a cluster made by initdb in a directory of its own, on
# 127.0.0.1 at a free port of its own (free_port, tests/port.sh), a role
# "cordon" with a password (SCRAM) in a password file (0600), never in an
# argument.  As root it runs as the user postgres (initdb refuses root).
# Sourced after lib.sh (or tests/port.sh, in a benchmark); sets PG_URL (the --store target), PGPASSFILE (exported), PG_DIR; stop
# it with pg_stop (the EXIT trap of the suite calls it).  PG_OPTS: the
# server's settings (tests: fsync off; benchmarks set their own).
PG_OPTS=${PG_OPTS--c fsync=off}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_DIR=
PG_URL=
pg_as() {   # run a PostgreSQL program as the cluster's owner
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_start() {
	[ -x "$PG_BIN/initdb" ] || { echo "no PostgreSQL server binaries under /usr/lib/postgresql"; return 1; }
	PG_DIR=$(mktemp -d /tmp/cordon-pg.XXXXXX)
	free_port PG_PORT
	local pw
	pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
	printf '%s\n' "$pw" >"$PG_DIR/pw"
	[ "$(id -u)" = 0 ] && chown -R postgres "$PG_DIR"
	chmod 700 "$PG_DIR"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U cordon --pwfile="$PG_DIR/pw" -A scram-sha-256 \
		-E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log"; return 1; }
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 $PG_OPTS" start \
		>/dev/null || { cat "$PG_DIR/server.log"; return 1; }
	# the client's password file: only its reader may read it
	export PGPASSFILE=$TMP/pgpass
	printf '127.0.0.1:%s:*:cordon:%s\n' "$PG_PORT" "$pw" >"$PGPASSFILE"
	chmod 600 "$PGPASSFILE"
	rm -f "$PG_DIR/pw"
	PGPASSFILE=$PGPASSFILE "$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U cordon -d postgres \
		-c "CREATE DATABASE cordon" || return 1
	PG_URL="postgresql://cordon@127.0.0.1:$PG_PORT/cordon?sslmode=disable"
}
pg_psql() {   # SQL: run on the test's database
	"$PG_BIN/psql" -qAtX -h 127.0.0.1 -p "$PG_PORT" -U cordon -d cordon -c "$1"
}
pg_stop_server() {   # stop the server, keep its files (pg_resume starts it again)
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
}
pg_resume() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 $PG_OPTS" start >/dev/null
}
pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	[ -f "$PG_DIR/data/postmaster.pid" ] && pg_stop_server
	rm -rf "$PG_DIR"
	PG_DIR=
}

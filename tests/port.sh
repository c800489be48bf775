# tests/port.sh - TCP ports for the listeners a test or benchmark starts.
# Sourced by lib.sh (the suites) and by the benchmarks in tests/bench.

# free_port VAR: a TCP port of the suite's own for a listener on
# 127.0.0.1, put in VAR (an array element too: free_port "PORT[$m]").
# Taken at random between 1025 and the start of the kernel's ephemeral
# range (/proc/sys/net/ipv4/ip_local_port_range), where no outgoing
# connection is given a port; with no socket on it (ss); and reserved
# for this suite under a lock, so that suites running side by side
# (tests/run's lanes, another worktree's) never pick the same one.  A
# reservation is a file naming the suite's shell: once that process is
# gone, the port is free again.  When no port is found the suite fails
# and ends, saying so (in a suite: a failed check and its closing line).
PORTS_DIR=/tmp/cordon-ports
free_port() {
	local lo=1025 hi p f i fd
	read -r hi _ </proc/sys/net/ipv4/ip_local_port_range
	hi=$((hi - 1))
	# shared by every user's suites, as /tmp is
	[ -d "$PORTS_DIR" ] || { mkdir -p "$PORTS_DIR" && chmod 1777 "$PORTS_DIR"; } 2>/dev/null
	[ -e "$PORTS_DIR/lock" ] || (umask 0; : >>"$PORTS_DIR/lock") 2>/dev/null
	if ! exec {fd}>>"$PORTS_DIR/lock" || ! flock "$fd"; then
		_no_port "$1" "cannot lock $PORTS_DIR/lock"
	fi
	for f in "$PORTS_DIR"/[0-9]*; do   # suites that ended
		[ -e "$f" ] && { [ -d "/proc/$(<"$f")" ] || rm -f "$f"; }
	done
	for ((i = 0; i < 100; i++)); do
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
		[ -e "$PORTS_DIR/$p" ] && continue
		[ -z "$(ss -Htan "sport = :$p")" ] || continue
		echo "$$" >"$PORTS_DIR/$p"
		exec {fd}>&-
		printf -v "$1" %s "$p"
		return 0
	done
	exec {fd}>&-
	_no_port "$1" "none of 100 tried between $lo and $hi"
}
_no_port() {   # VAR WHY
	if declare -F summary >/dev/null; then
		fail "a free TCP port for $1" "$2"
		summary
	else
		echo "no free TCP port for $1: $2" >&2
	fi
	exit 1
}

# tests/lib.sh - what the shell test suites share.  Source it; call
# pass/fail per check and `summary` at the end, which prints
# "N passed, N failed" and returns non-zero when anything failed.

# Debian's tools first (scripts/install-deps), not a user's version
# managers: a pyenv shim costs 1.7 s per python3 call on this machine.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORDON=${CORDON:-$TOP/build/san/cordon}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
npass=0
nfail=0
TMP=$(mktemp -d /tmp/cordon-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

pass() { npass=$((npass + 1)); [ -n "${VERBOSE:-}" ] && echo "ok   $1"; return 0; }
fail() { nfail=$((nfail + 1)); echo "FAIL $1"; shift; [ $# -gt 0 ] && printf '     %s\n' "$@"; return 0; }

# log_at FILE: FILE's length in lines now (0 when absent): a mark, for
# log_since MARK FILE: its lines written after the mark
log_at() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }
log_since() { tail -n "+$(($1 + 1))" "$2" 2>/dev/null; }

# ended PID: the process has ended (a child of ours is a zombie until
# waited for, which kill -0 does not tell)
ended() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	[ "${s%% *}" = Z ]
}

# check NAME COND...: pass when the command succeeds
check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n" "command failed: $*"; fi; }
# until_ N CMD...: until CMD holds, at most N tenths of a second
until_() { local n=$1 i; shift; for i in $(seq "$n"); do "$@" && return 0; sleep 0.1; done; return 1; }

nskip=0
# skip WHAT WHY: a part that cannot run here, said and counted (the
# closing line, and make test's, say how many)
skip() { nskip=$((nskip + 1)); echo "SKIP $1: $2"; return 0; }

summary() {
	if [ "$nskip" -gt 0 ]; then
		echo "$npass passed, $nfail failed, $nskip skipped"
	else
		echo "$npass passed, $nfail failed"
	fi
	[ "$nfail" -eq 0 ]
}

. "$TOP/tests/port.sh"   # free_port

is_root() { [ "$(id -u)" = 0 ] && ip netns list >/dev/null 2>&1; }
# needs_root WHY: the suite runs as root only; else it is one skip
needs_root() {
	is_root && return 0
	skip "the suite" "needs root ($1)"
	summary
	exit 0
}

# The release before this tree: tag v0.1.0, made at the commit below. A
# clone CI makes carries no tags, so the commit is what is looked up when
# the tag is missing.  previous_release prints that commit's full hash.
PREVIOUS_RELEASE=v0.1.0
PREVIOUS_RELEASE_COMMIT=c1d9644d1eea521026b45a9ecca4a6f80fcc361c
previous_release() {
	git -C "$TOP" rev-parse -q --verify "$PREVIOUS_RELEASE^{commit}" 2>/dev/null ||
		git -C "$TOP" rev-parse -q --verify "$PREVIOUS_RELEASE_COMMIT^{commit}" 2>/dev/null
}

# The store's schema version this tree makes: the number of the last step
# of lib/manager/store_schema.c (each begins with a comment "/* N: ...").
STORE_SCHEMA=$(grep -oE '^	/\* [0-9]+[ :(]' "$TOP/lib/manager/store_schema.c" | grep -oE '[0-9]+' | tail -1)

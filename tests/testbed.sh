# tests/testbed.sh - hypervisor hosts and workloads in network namespaces.
#
# Source it, then:
#   tb_init                      unique prefix, cleanup on exit and failure
#   tb_host HOST                 a host namespace (forwarding on)
#   tb_link HOST1 HOST2          an underlay link between two hosts
#   tb_workload HOST WL IFNAME [mac=MAC] IP...
#                                a workload namespace (its eth0 with MAC, as
#                                the inventory says) attached to HOST by a
#                                veth named IFNAME on the host side, routed
#                                as Calico does: /32 and /128 routes on the
#                                host, and the gateway 169.254.1.1 / fe80::1 on the
#                                host side of every workload device
#   tb_bridge HOST BR V4/LEN V6/LEN
#                                a Linux bridge in HOST holding the gateway
#                                addresses, as libvirt's networks make
#                                virbr0 (nothing filters it yet)
#   tb_bworkload HOST BR WL IFNAME MAC IP...
#                                a workload namespace whose veth IFNAME is a
#                                port of bridge BR, as libvirt attaches a
#                                VM's vnetN: the workload's addresses in
#                                the bridge's subnets, its default route
#                                through the bridge's addresses
#   tb_routes                    routes for every workload on every other
#                                host, through the underlay
#   tb_ns NAME                   the namespace name of a host or workload
#   tb_exec NAME CMD...          run CMD in that namespace
#   tb_rx NAME PID               bytes received so far by PID's established
#                                TCP connection in NAME's namespace
#   tb_flows NAME PID [BYTES]    that connection receives BYTES (10) more
# Nothing here touches the machine's own namespace: every address, route,
# sysctl and ruleset lives in the namespaces it made, and tb_cleanup removes
# them and ends only the processes it started.
TB_PREFIX=
TB_NSS=()
TB_PIDS=()
declare -A TB_HOST_OF TB_IPS TB_UL
TB_HOSTS=()
TB_LINKN=0

tb_init() {
	TB_PREFIX="cd$$x${RANDOM}"
	trap 'tb_cleanup' EXIT
	trap 'exit 130' INT TERM
}

tb_ns() { echo "${TB_PREFIX}-$1"; }
tb_exec() { local n=$1; shift; ip netns exec "$(tb_ns "$n")" "$@"; }

# Every process the test started, ended and waited for: LeakSanitizer
# reports at a process's exit, so a leak check reads the logs after this.
tb_end() {
	local p
	for p in "${TB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${TB_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	TB_PIDS=()                # reaped: their numbers may be reused
}

tb_cleanup() {
	# not cut short by a second signal (a whole process group told to stop)
	trap '' INT TERM
	local p ns
	for p in "${TB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${TB_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for ns in "${TB_NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	TB_NSS=()
	TB_PIDS=()
	[ -n "${TMP:-}" ] && rm -rf "$TMP"
}

_tb_newns() {
	local ns
	ns=$(tb_ns "$1")
	ip netns add "$ns" || return 1
	TB_NSS+=("$ns")
	ip -n "$ns" link set lo up
}

tb_host() {
	_tb_newns "$1" || return 1
	TB_HOSTS+=("$1")
	tb_exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# no rate limit on ICMP errors: a burst of rejected probes must each
	# get its answer (a real host keeps the kernel's limits)
	tb_exec "$1" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 \
		net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=100000 2>/dev/null
}

tb_link() {
	local a=$1 b=$2 n=$((++TB_LINKN))
	ip link add ul$n netns "$(tb_ns "$a")" type veth peer name ul$n netns "$(tb_ns "$b")"
	tb_exec "$a" ip addr add 172.31.$n.1/30 dev ul$n
	tb_exec "$b" ip addr add 172.31.$n.2/30 dev ul$n
	tb_exec "$a" ip -6 addr add fdff:$n::1/64 dev ul$n nodad
	tb_exec "$b" ip -6 addr add fdff:$n::2/64 dev ul$n nodad
	tb_exec "$a" ip link set ul$n up
	tb_exec "$b" ip link set ul$n up
	TB_UL["$a>$b"]="ul$n 172.31.$n.2 fdff:$n::2"
	TB_UL["$b>$a"]="ul$n 172.31.$n.1 fdff:$n::1"
}

tb_workload() {
	local host=$1 wl=$2 ifname=$3; shift 3
	local hns wns ip
	hns=$(tb_ns "$host")
	_tb_newns "$wl" || return 1
	wns=$(tb_ns "$wl")
	ip link add "$ifname" netns "$hns" type veth peer name eth0 netns "$wns"
	# the guest's MAC before the link is up: its link-local address is made
	# from it (SpoofGuard lets a vNIC send only from its inventory MAC)
	case "${1:-}" in
	mac=*) ip -n "$wns" link set eth0 address "${1#mac=}"; shift ;;
	esac
	ip -n "$hns" link set "$ifname" up
	ip -n "$wns" link set eth0 up
	# the gateway the workload sees: 169.254.1.1 and fe80::1 on every
	# host-side device, as Calico's routed attachment does
	ip -n "$hns" addr add 169.254.1.1/32 dev "$ifname"
	ip -n "$hns" -6 addr add fe80::1/64 dev "$ifname" nodad
	ip -n "$wns" route add 169.254.1.1 dev eth0 scope link
	ip -n "$wns" route add default via 169.254.1.1 dev eth0
	for ip in "$@"; do
		case "$ip" in
		*:*)
			ip -n "$wns" -6 addr add "$ip/128" dev eth0 nodad
			ip -n "$wns" -6 route add default via fe80::1 dev eth0 2>/dev/null
			ip -n "$hns" -6 route add "$ip/128" dev "$ifname"
			;;
		*)
			ip -n "$wns" addr add "$ip/32" dev eth0
			ip -n "$hns" route add "$ip/32" dev "$ifname"
			;;
		esac
	done
	TB_HOST_OF[$wl]=$host
	TB_IPS[$wl]="$*"
}

declare -A TB_BR4 TB_BR6
tb_bridge() {
	local host=$1 br=$2 v4=$3 v6=$4 hns
	hns=$(tb_ns "$host")
	ip -n "$hns" link add "$br" type bridge
	ip -n "$hns" link set "$br" up
	ip -n "$hns" addr add "$v4" dev "$br"
	ip -n "$hns" -6 addr add "$v6" dev "$br" nodad
	TB_BR4["$host/$br"]=${v4%/*}
	TB_BR6["$host/$br"]=${v6%/*}
}

tb_bworkload() {
	local host=$1 br=$2 wl=$3 ifname=$4 mac=$5; shift 5
	local hns wns ip
	hns=$(tb_ns "$host")
	_tb_newns "$wl" || return 1
	wns=$(tb_ns "$wl")
	ip link add "$ifname" netns "$hns" type veth peer name eth0 netns "$wns"
	ip -n "$wns" link set eth0 address "$mac"
	ip -n "$hns" link set "$ifname" master "$br" up
	ip -n "$wns" link set eth0 up
	for ip in "$@"; do
		case "$ip" in
		*:*) ip -n "$wns" -6 addr add "$ip/64" dev eth0 nodad ;;
		*) ip -n "$wns" addr add "$ip/24" dev eth0 ;;
		esac
	done
	ip -n "$wns" route add default via "${TB_BR4[$host/$br]}"
	ip -n "$wns" -6 route add default via "${TB_BR6[$host/$br]}" 2>/dev/null
	TB_HOST_OF[$wl]=$host
	TB_IPS[$wl]="$*"
}

tb_routes() {
	local wl src dst ip ul v4 v6
	for wl in "${!TB_HOST_OF[@]}"; do
		dst=${TB_HOST_OF[$wl]}
		for src in "${TB_HOSTS[@]}"; do
			[ "$src" = "$dst" ] && continue
			[ -n "${TB_UL[$src>$dst]:-}" ] || continue
			read -r ul v4 v6 <<<"${TB_UL[$src>$dst]}"
			for ip in ${TB_IPS[$wl]}; do
				case "$ip" in
				*:*) tb_exec "$src" ip -6 route replace "$ip/128" via "$v6" dev "$ul" ;;
				*) tb_exec "$src" ip route replace "$ip/32" via "$v4" dev "$ul" ;;
				esac
			done
		done
	done
}

# tb_rx NAME PID: the bytes that PID's established TCP connection in
# NAME's namespace has received so far (ss's bytes_received); empty when
# PID holds none
tb_rx() {
	tb_exec "$1" ss -Htinp state established | awk -v p="pid=$2," '
		index($0, p) { on = 1; next }
		on { n = 0; if (match($0, /bytes_received:[0-9]+/)) n = substr($0, RSTART + 15, RLENGTH - 15)
		     print n; exit }'
}
# tb_flows NAME PID [BYTES]: PID's connection (a probe hold, which
# exchanges a byte every 100 ms) receives BYTES (10) more than it has
# now, within 10 s: traffic goes on through it from now
tb_flows() {
	local a b
	a=$(tb_rx "$1" "$2")
	[ -n "$a" ] || return 1
	for _ in $(seq 100); do
		b=$(tb_rx "$1" "$2")
		[ -n "$b" ] || return 1
		[ "$b" -ge $((a + ${3:-10})) ] && return 0
		sleep 0.1
	done
	return 1
}

# tb_spawn NAME CMD...: start CMD in a namespace in the background; the
# PID is remembered and the process ended by tb_cleanup.
tb_spawn() {
	local n=$1; shift
	ip netns exec "$(tb_ns "$n")" "$@" &
	TB_PIDS+=($!)
}

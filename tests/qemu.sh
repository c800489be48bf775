# tests/qemu.sh - a libvirt daemon of a test's own serving real QEMU
# domains: libvirtd as an unprivileged user (nobody) in a network
# namespace of its own (whatever its drivers do stays there), on a socket
# in $TMP; domains of type qemu (TCG: the user cannot open /dev/kvm) with
# 64 MiB, one vCPU, a qcow2 disk and a virtio balloon, no OS needed.
# Sourced after lib.sh and testbed.sh (TB_PIDS); sets LVD, LURI, QEMU_PIDS.
# With LVD_NETNS set, the daemon runs in that namespace instead (a test
# host's, where its guests' taps are), under the host name LVD_HOSTNAME
# (a UTS namespace of its own), which is its workloads' host.
LVD=$TMP/lvd
LURI="qemu+unix:///session?socket=$LVD/run/libvirt/libvirt-sock"
QEMU_PIDS=()
V() { virsh -q -c "$LURI" "$@"; }
start_libvirtd() {   # DISK...: the qcow2 images to make first
	chmod 711 "$TMP"
	mkdir -p "$LVD/run" "$LVD/cfg" "$LVD/cache" "$LVD/data" "$LVD/img"
	local d
	for d in "$@"; do qemu-img create -q -f qcow2 "$LVD/img/$d.qcow2" 64M || return 1; done
	chown -R 65534:65534 "$LVD"
	local ns=(unshare -n)
	[ -n "${LVD_NETNS:-}" ] && ns=(ip netns exec "$LVD_NETNS" unshare -u sh -c \
		'hostname "$0" && exec "$@"' "${LVD_HOSTNAME:-hv}")
	"${ns[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -i HOME="$LVD" XDG_RUNTIME_DIR="$LVD/run" XDG_CONFIG_HOME="$LVD/cfg" \
		XDG_CACHE_HOME="$LVD/cache" XDG_DATA_HOME="$LVD/data" PATH=/usr/sbin:/usr/bin \
		libvirtd >>"$TMP/libvirtd.log" 2>&1 &
	LVD_PID=$!
	TB_PIDS+=("$LVD_PID")
	until_ 100 V uri >/dev/null 2>&1
}
start_domain() {   # NAME: its disk $LVD/img/NAME.qcow2
	cat >"$TMP/$1.xml" <<-XML
	<domain type='qemu'><name>$1</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
	<os><type arch='x86_64' machine='pc'>hvm</type></os>
	<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
	<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
	<source file='$LVD/img/$1.qcow2'/><target dev='vda' bus='virtio'/></disk>
	<memballoon model='virtio'/></devices></domain>
	XML
	V define "$TMP/$1.xml" >/dev/null && V start "$1" >/dev/null || return 1
	QEMU_PIDS+=("$(cat "$LVD/run/libvirt/qemu/run/$1.pid")")
}
start_pool() {   # NAME: a dir pool over the disks' directory
	V pool-define-as "$1" dir --target "$LVD/img" >/dev/null && V pool-start "$1" >/dev/null
}
qemu_cleanup() {
	trap '' INT TERM   # not cut short by a second signal
	# QEMU outlives libvirtd: its processes (ours, by the PIDs libvirt
	# wrote) are ended first, stopped ones woken to die
	# (and those started in a subshell, by the PID files libvirt keeps)
	# (PID files end with no newline)
	local p f
	for f in "$LVD"/run/libvirt/qemu/run/*.pid; do
		[ -f "$f" ] && [ "${f##*/}" != driver.pid ] && QEMU_PIDS+=("$(<"$f")")
	done
	for p in "${QEMU_PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	for p in "${QEMU_PIDS[@]}"; do until_ 50 eval '! kill -0 "$p" 2>/dev/null'; done
	tb_cleanup
}

# tests/guest.sh - real guests for the tests: Debian's kernel and a busybox
# initramfs (tests/guest/), booted directly by QEMU (TCG) under the test's
# own libvirt daemon (tests/qemu.sh), each with one virtio vNIC on a tap
# the test made for the daemon's user, as libvirt's
# <interface type='ethernet'> with managed='no' uses one.  The test drives
# each guest's shell on its serial console.
# Sourced after lib.sh, testbed.sh and qemu.sh.
#   guest_files                  the kernel and initramfs, into $LVD/img
#   guest_tap HOST TAP [BRIDGE]  a tap for the daemon's user in HOST's
#                                namespace, a port of BRIDGE when given
#   guest_define NAME TAP MAC METADATA CMDLINE [CPUSET]
#                                a domain (128 MiB, one vCPU, a virtio
#                                balloon; pinned to CPUSET's host CPUs
#                                when given) with cordon's
#                                metadata (the <cordon:workload> element's
#                                content: tags and addresses) and the
#                                guest's settings (cd.ip=... see
#                                tests/guest/init)
#   guest_start NAME             start it; wait until its shell answers
#   gsh NAME CMD [TIMEOUT]       run CMD in its shell; its output and status
GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/guest" && pwd)
guest_files() {
	local raw=$TMP/rawsend
	gcc -static -O2 -o "$raw" "$GUEST_DIR/rawsend.c" &&
		"$GUEST_DIR/mkinitrd" "$LVD/img" "$raw" &&
		chown 65534:65534 "$LVD/img/vmlinuz" "$LVD/img/initrd.img"
}
guest_tap() {
	local ns
	ns=$(tb_ns "$1")
	ip -n "$ns" tuntap add "$2" mode tap user 65534 group 65534 || return 1
	[ -n "${3:-}" ] && { ip -n "$ns" link set "$2" master "$3" || return 1; }
	ip -n "$ns" link set "$2" up
}
guest_define() {
	local name=$1 tap=$2 mac=$3 meta=$4 cmdline=$5 cpus=${6:+" cpuset='$6'"}
	mkdir -p "$LVD/con" && chown 65534:65534 "$LVD/con"
	cat >"$TMP/$name.xml" <<-XML
	<domain type='qemu'><name>$name</name><memory unit='MiB'>128</memory><vcpu$cpus>1</vcpu>
	<metadata><cordon:workload xmlns:cordon="https://cordon.dev/xmlns/workload/1">$meta</cordon:workload></metadata>
	<os><type arch='x86_64' machine='pc'>hvm</type>
	<kernel>$LVD/img/vmlinuz</kernel><initrd>$LVD/img/initrd.img</initrd>
	<cmdline>console=ttyS0 quiet panic=-1 cd.name=$name $cmdline</cmdline></os>
	<on_reboot>destroy</on_reboot>
	<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
	<interface type='ethernet'><target dev='$tap' managed='no'/><mac address='$mac'/><model type='virtio'/></interface>
	<serial type='unix'><source mode='bind' path='$LVD/con/$name.sock'/><target port='0'/></serial>
	<memballoon model='virtio'/></devices></domain>
	XML
	V define "$TMP/$name.xml" >/dev/null
}
guest_start() {
	V start "$1" >/dev/null || return 1
	QEMU_PIDS+=("$(<"$LVD/run/libvirt/qemu/run/$1.pid")")
	# by time, not tries: four TCG guests booting beside the other lanes
	# took more than 60 tries (make test lost r1 so)
	local end=$((SECONDS + 240))
	until gsh "$1" true 1 >/dev/null; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.5
	done
}
gsh() { python3 "$GUEST_DIR/console.py" "$LVD/con/$1.sock" "${3:-10}" "$2"; }

# tests/packages/vm.sh - a fresh Debian 12 with systemd as PID 1 under
# QEMU (TCG), for testing cordon's Debian packages inside it.  Sourced
# (bash) after tests/lib.sh; needs root (mmdebstrap, mke2fs -d of a tree
# owned by root), mmdebstrap, qemu-system-x86, qemu-utils,
# linux-image-amd64 and busybox-static (scripts/install-deps).
#
#   img=$(pkgvm_image [EXTRA_PKG...])
#       The root file system, built once and cached in build/pkgtest/
#       under a hash of the package list, this file's recipe (the bodies of
#       the pkgvm__build* functions) and the kernel's version.  Prints the
#       path of the cached ext4 image (never written to afterwards).
#       Debian bookworm main (+ bookworm-updates, bookworm-security) by
#       mmdebstrap --variant=apt: essential, apt, PKGVM_BASE_PKGS and
#       EXTRA_PKG... (what `apt install ./x.deb` needs offline).  The apt
#       lists are not kept: a missing dependency is a failed install.
#   pkgvm_run IMAGE_OR_TREE SCRIPT [FILES_DIR] TIMEOUT_S LOG
#       Boots a per-run copy (a qcow2 overlay over IMAGE, or a fresh ext4
#       made from TREE) with SCRIPT at /root/cordon-test.sh, FILES_DIR's
#       contents at /root/files/ and /root/lib.sh (pass, fail, check, skip
#       that print every result).  cordon-test.service runs the script
#       (by its #! line, else bash; cwd /root, stdin /dev/null, stdout a
#       tty: use apt-get -q, DEBIAN_FRONTEND is noninteractive) once the
#       system is up (after multi-user.target), its stdout and stderr on
#       the second serial port, which is LOG; then it writes
#       "CORDON-TEST-EXIT <rc>" and powers off.  The kernel's and
#       systemd's console (ttyS0) is LOG.console.  Prints "guest up in N s"
#       when the unit starts.  Returns 0 when the script exited 0; non-zero
#       when it failed, or QEMU did not end within TIMEOUT_S (it is killed).
#   pkgvm_results LOG [PREFIX]
#       The guest's "ok   NAME", "FAIL NAME" (and its indented detail
#       lines) and "SKIP WHAT: WHY" lines, through lib.sh's pass, fail and
#       skip (NAME prefixed with PREFIX); a fail when CORDON-TEST-EXIT is
#       missing or not 0.
#   pkgvm_cleanup
#       Kills the QEMUs started here (by PID) and removes the per-run
#       files.  Installed in the EXIT trap when this file is sourced, before
#       the trap that was there (lib.sh's); a suite that sets its own EXIT
#       trap afterwards calls it.
#
# Booting: Debian's kernel as installed on the host (/boot/vmlinuz-*-amd64,
# the one tests/guest uses) with -kernel, and a busybox initramfs of ours
# (~1.5 MB: virtio_pci, virtio_blk, ext4 and their dependencies, insmod,
# mount /dev/vda, switch_root to systemd); that kernel's modules (net,
# netfilter, bridge, veth, tun, fs, crypto, lib and the virtual drivers,
# ~85 MB) are copied into the root file system and depmod'ed there, so
# modprobe, nftables and conntrack work in the guest.  No network device
# (-nic none) and QEMU in a network namespace of its own: nothing of the
# host's network, nftables or services is touched.
# Measured (2 cores, TCG): the image's first build ~30 s (mmdebstrap
# ~27 s, mke2fs -d), 400 MB used; boot to the unit's start 14 to 20 s.
# Debian's linux-image-amd64 and initramfs-tools in the image instead made
# mmdebstrap take 135 s (the initramfs made in the chroot) and 290 MB more,
# and its 36 MB initramfs booted ~4 s slower.  A TREE (a directory) must
# hold that kernel's modules itself for modprobe to work.
#
# Settings (environment): PKGVM_MEM (MiB, 2048), PKGVM_SMP (2), PKGVM_CPU
# (QEMU's -cpu, qemu64: as fast as max,la57=off under TCG, and TCG's
# oldest, most used model; max alone is slower: 5-level paging),
# PKGVM_CACHE (build/pkgtest), PKGVM_KEEP=1 keeps the run's directory.

PKGVM_TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PKGVM_CACHE=${PKGVM_CACHE:-$PKGVM_TOP/build/pkgtest}
PKGVM_MIRROR=${PKGVM_MIRROR:-http://deb.debian.org/debian}
PKGVM_SECURITY=${PKGVM_SECURITY:-http://deb.debian.org/debian-security}
PKGVM_BASE_PKGS="systemd systemd-sysv udev dbus kmod apt nftables iproute2 procps curl ca-certificates sqlite3"
PKGVM_PIDS=()
PKGVM_DIRS=()

pkgvm__log() { echo "pkgvm: $*" >&2; }
pkgvm__since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# the host's Debian kernel: the newest /boot/vmlinuz-*-amd64 with modules
pkgvm__kver() {
	local k v best=
	for k in /boot/vmlinuz-*-amd64; do
		v=${k#/boot/vmlinuz-}
		[ -f "$k" ] && [ -d "/lib/modules/$v/kernel" ] && best="$best$v"$'\n'
	done
	best=$(printf '%s' "$best" | sort -V | tail -1)
	[ -n "$best" ] || { pkgvm__log "no /boot/vmlinuz-*-amd64 with /lib/modules (install linux-image-amd64)"; return 1; }
	echo "$best"
}

# pkgvm__ko KVER MODULE DEST: the module (uncompressed) at DEST
pkgvm__ko() {
	local f
	f=$(modinfo -k "$1" -n "$2" 2>/dev/null) && [ -f "$f" ] || { pkgvm__log "no module $2 in $1"; return 1; }
	case "$f" in
	*.xz) xz -dc "$f" >"$3" ;;
	*.zst) zstd -qdc "$f" >"$3" ;;
	*) cp "$f" "$3" ;;
	esac
}

# pkgvm__deps KVER MODULE...: the modules with their dependencies, in load order
pkgvm__deps() {
	local kver=$1 m
	shift
	local -A seen=()
	local order=()
	_pkgvm_dep() {
		[ -n "${seen[$1]:-}" ] && return 0
		seen[$1]=1
		local deps d
		deps=$(modinfo -k "$kver" -F depends "$1" 2>/dev/null) || { pkgvm__log "no module $1 in $kver"; return 1; }
		for d in ${deps//,/ }; do _pkgvm_dep "$d" || return 1; done
		order+=("$1")
	}
	for m in "$@"; do _pkgvm_dep "$m" || return 1; done
	echo "${order[@]}"
}

# pkgvm__build_initrd KVER OUT: OUT/vmlinuz and OUT/initrd.img
pkgvm__build_initrd() {
	local kver=$1 out=$2 r m mods
	[ -x /bin/busybox ] && ldd /bin/busybox 2>&1 | grep -q "not a dynamic" ||
		{ pkgvm__log "no static /bin/busybox (install busybox-static)"; return 1; }
	r=$out/initrd.d
	rm -rf "$r"
	mkdir -p "$r/bin" "$r/mod" "$r/proc" "$r/sys" "$r/dev" "$r/newroot"
	cp /bin/busybox "$r/bin/"
	for m in sh mount umount insmod sleep switch_root poweroff mkdir cat echo; do ln -s busybox "$r/bin/$m"; done
	mods=$(pkgvm__deps "$kver" virtio_pci virtio_blk crc32c_generic ext4) || return 1
	for m in $mods; do pkgvm__ko "$kver" "$m" "$r/mod/$m.ko" || return 1; done
	echo "$mods" >"$r/mod/order"
	cat >"$r/init" <<-'EOF'
	#!/bin/sh
	# tests/packages/vm.sh's initramfs: the disk's modules, root on
	# /dev/vda, systemd
	die() { echo "initrd: $*"; poweroff -f; }
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev
	for m in $(cat /mod/order); do insmod "/mod/$m.ko" || echo "initrd: insmod $m failed"; done
	i=0
	while [ ! -b /dev/vda ]; do
		i=$((i + 1)); [ $i -gt 300 ] && die "no /dev/vda"
		sleep 0.1
	done
	mount -t ext4 -o rw /dev/vda /newroot || die "cannot mount /dev/vda"
	mount --move /dev /newroot/dev
	umount /sys /proc
	exec switch_root /newroot /sbin/init
	EOF
	chmod 755 "$r/init"
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.img" &&
		cp "/boot/vmlinuz-$kver" "$out/vmlinuz" && rm -rf "$r"
}

# pkgvm__build_hook ROOT KVER: mmdebstrap's customize hook (on the host,
# the new tree at ROOT)
pkgvm__build_hook() {
	local root=$1 kver=$2 d k
	echo cordon-test >"$root/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tcordon-test\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
	echo '/dev/vda / ext4 rw,errors=remount-ro 0 0' >"$root/etc/fstab"
	# a machine-id made at each boot (first boot, as a fresh install's)
	: >"$root/etc/machine-id"
	chroot "$root" passwd -dq root
	# the kernel's modules, but not those of hardware a guest has not
	d=/lib/modules/$kver
	mkdir -p "$root/usr$d/kernel/drivers"
	cp -a "$d"/modules.order "$d"/modules.builtin* "$root/usr$d/"
	for k in net lib crypto arch fs block mm virt; do
		[ -d "$d/kernel/$k" ] && cp -a "$d/kernel/$k" "$root/usr$d/kernel/"
	done
	for k in virtio block char md vhost net; do
		[ -d "$d/kernel/drivers/$k" ] && cp -a "$d/kernel/drivers/$k" "$root/usr$d/kernel/drivers/"
	done
	rm -rf "$root/usr$d/kernel/drivers/net/"{wireless,ethernet,usb,can,ieee802154,wwan,hamradio,arcnet,fddi,plip,slip,wan,fjes,phy,pcs,mdio,dsa}
	rm -rf "$root/usr$d/kernel/net/"{bluetooth,wireless,mac80211,mac802154,ieee802154,nfc,can,6lowpan}
	# nor KVM (udev would load it for the virtual CPU, in vain)
	rm -rf "$root/usr$d/kernel/arch/x86/kvm"
	depmod -b "$root" "$kver"
	# the test's unit: after multi-user.target, so it runs once the boot's
	# jobs are done; Type=exec, not oneshot: a oneshot's start job holds
	# the boot in "starting", and the script's `systemctl
	# is-system-running --wait` would wait for itself
	cat >"$root/etc/systemd/system/cordon-test.service" <<-'EOF'
	[Unit]
	Description=cordon package test (/root/cordon-test.sh, tests/packages/vm.sh)
	After=multi-user.target dev-vdb.device
	Requires=dev-vdb.device

	[Service]
	Type=exec
	# its output is a tty: no pager, colours or debconf questions
	Environment=HOME=/root DEBIAN_FRONTEND=noninteractive SYSTEMD_PAGER= SYSTEMD_COLORS=0 PAGER=cat
	ExecStart=/usr/local/sbin/cordon-test-run
	StandardInput=null
	StandardOutput=journal+console
	StandardError=inherit

	[Install]
	WantedBy=multi-user.target
	EOF
	mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
	ln -sf /etc/systemd/system/cordon-test.service "$root/etc/systemd/system/multi-user.target.wants/cordon-test.service"
	# the run's files come on a second disk, a tar archive (pkgvm_run)
	cat >"$root/usr/local/sbin/cordon-test-run" <<-'EOF'
	#!/bin/sh
	# run /root/cordon-test.sh (from the tar archive on /dev/vdb) with its
	# output on ttyS1, then say its status there and power off
	out=/dev/ttyS1
	stty -F $out raw -echo 2>/dev/null
	exec >$out 2>&1 </dev/null
	echo "CORDON-TEST-START $(cut -d' ' -f1 /proc/uptime)"
	if tar -x -f /dev/vdb -C /root --no-same-owner; then
		# by its #! line, else bash
		cd /root
		if [ "$(head -c2 cordon-test.sh)" = '#!' ]; then ./cordon-test.sh; else bash cordon-test.sh; fi
		rc=$?
	else
		echo "cordon-test-run: cannot read the run's files on /dev/vdb"
		rc=125
	fi
	echo "CORDON-TEST-EXIT $rc"
	sync
	systemctl --no-block poweroff
	EOF
	chmod 755 "$root/usr/local/sbin/cordon-test-run"
	# no timers of a long-lived machine in a test's minute
	for d in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
		ln -sf /dev/null "$root/etc/systemd/system/$d"
	done
}

# pkgvm__build_root DIR KVER PKG...: DIR/root.ext4 (and the boot files)
pkgvm__build_root() {
	local dir=$1 kver=$2 tree size
	shift 2
	tree=$dir/tree
	local inc
	inc=$(echo "$@" | tr ' ' ',')
	mmdebstrap --mode=root --variant=apt --format=directory \
		--components=main --include="$inc" \
		--aptopt='Acquire::Languages "none"' \
		--customize-hook="bash -c '. \"$PKGVM_TOP/tests/packages/vm.sh\" && pkgvm__build_hook \"\$1\" $kver' hook \"\$1\"" \
		bookworm "$tree" \
		"deb $PKGVM_MIRROR bookworm main" \
		"deb $PKGVM_MIRROR bookworm-updates main" \
		"deb $PKGVM_SECURITY bookworm-security main" || return 1
	# the tree's size and 3 GiB free (what a test installs, logs, stores)
	size=$(du -sxm "$tree" | cut -f1)
	size=$((size + 3072))
	mke2fs -q -F -t ext4 -L cordon-root -d "$tree" "$dir/root.ext4" "${size}M" >/dev/null || return 1
	rm -rf "$tree"
}

# the key of the cache: the recipe (this file's build functions, as bash
# has them), the package list, the kernel
PKGVM_RECIPE="pkgvm__build_initrd pkgvm__build_hook pkgvm__build_root pkgvm__deps pkgvm__ko"
PKGVM_RECIPE_BOOT="pkgvm__build_initrd pkgvm__deps pkgvm__ko"
pkgvm__key() {   # FUNCTIONS ARG...
	{
		# shellcheck disable=SC2086
		declare -f $1
		shift
		echo "$PKGVM_MIRROR $PKGVM_SECURITY"
		printf '%s\n' "$@" | sort -u
		/bin/busybox 2>&1 | head -1
	} | sha256sum | cut -c1-16
}

pkgvm__boot() {   # KVER: prints the directory with vmlinuz and initrd.img
	local kver=$1 key d
	key=$(pkgvm__key "$PKGVM_RECIPE_BOOT" "$kver" boot)
	d=$PKGVM_CACHE/boot-$kver-$key
	if [ ! -f "$d/initrd.img" ]; then
		mkdir -p "$PKGVM_CACHE"
		(
			flock 9
			[ -f "$d/initrd.img" ] && exit 0
			rm -rf "$d.tmp" && mkdir -p "$d.tmp" &&
				pkgvm__build_initrd "$kver" "$d.tmp" && mv "$d.tmp" "$d"
		) 9>"$PKGVM_CACHE/.lock-boot" || return 1
	fi
	touch "$d/used"
	echo "$d"
}

pkgvm_image() {
	local kver pkgs key d t0 boot
	kver=$(pkgvm__kver) || return 1
	# shellcheck disable=SC2086
	pkgs=$(printf '%s\n' $PKGVM_BASE_PKGS "$@" | sort -u | tr '\n' ' ')
	# shellcheck disable=SC2086
	key=$(pkgvm__key "$PKGVM_RECIPE" "$kver" $pkgs)
	d=$PKGVM_CACHE/img-$key
	boot=$(pkgvm__boot "$kver") || return 1
	pkgvm__prune
	if [ ! -f "$d/root.ext4" ]; then
		mkdir -p "$PKGVM_CACHE"
		(
			flock 9
			[ -f "$d/root.ext4" ] && exit 0
			t0=$SECONDS
			pkgvm__log "building the image $d ($pkgs)"
			rm -rf "$d.tmp" && mkdir -p "$d.tmp" || exit 1
			# shellcheck disable=SC2086
			if ! pkgvm__build_root "$d.tmp" "$kver" $pkgs >"$PKGVM_CACHE/img-$key.build.log" 2>&1; then
				pkgvm__log "the image's build failed: $PKGVM_CACHE/img-$key.build.log"
				tail -n 20 "$PKGVM_CACHE/img-$key.build.log" >&2
				rm -rf "$d.tmp"
				exit 1
			fi
			echo "$kver" >"$d.tmp/kernel"
			echo "$pkgs" >"$d.tmp/packages"
			ln -s "$boot" "$d.tmp/boot"
			mv "$d.tmp" "$d" && touch "$d/used"
			pkgvm__log "image built in $((SECONDS - t0)) s: $(du -sh --apparent-size "$d/root.ext4" | cut -f1) apparent, $(du -sh "$d/root.ext4" | cut -f1) used"
		) 9>"$PKGVM_CACHE/.lock-img-$key" || return 1
	fi
	touch "$d/used"
	echo "$d/root.ext4"
}

# images and boot files unused for PKGVM_PRUNE_DAYS (3) days go, and runs
# a killed shell left (a day old)
pkgvm__prune() {
	local f d
	[ -d "$PKGVM_CACHE" ] || return 0
	find "$PKGVM_CACHE" -mindepth 2 -maxdepth 2 -name used -mtime "+${PKGVM_PRUNE_DAYS:-3}" 2>/dev/null |
		while read -r f; do
			d=${f%/used}
			pkgvm__log "pruning $d (unused for ${PKGVM_PRUNE_DAYS:-3} days)"
			rm -rf "$d" "$d.build.log" "$PKGVM_CACHE/.lock-${d##*/}"
		done
	find "$PKGVM_CACHE" -mindepth 1 -maxdepth 1 -name 'run.*' -mmin +1440 -exec rm -rf {} + 2>/dev/null
	return 0
}

# the guest's /root/lib.sh: every result printed, the host counts them
pkgvm__guest_lib() {
	cat <<-'EOF'
	# /root/lib.sh (tests/packages/vm.sh): results for the host to count
	pass() { echo "ok   $1"; }
	fail() { echo "FAIL $1"; shift; [ $# -gt 0 ] && printf '     %s\n' "$@"; return 0; }
	skip() { echo "SKIP $1: $2"; }
	check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n" "command failed: $*"; fi; }
	EOF
}

pkgvm_run() {
	local img=$1 script=$2 files='' timeout log
	if [ $# -eq 5 ]; then files=$3; timeout=$4; log=$5
	elif [ $# -eq 4 ]; then timeout=$3; log=$4
	else pkgvm__log "usage: pkgvm_run IMAGE_OR_TREE SCRIPT [FILES_DIR] TIMEOUT_S LOG"; return 2
	fi
	local kver boot run disk pid t0 up='' rc=1 line
	kver=$(pkgvm__kver) || return 1
	if [ -f "$(dirname "$img")/boot/initrd.img" ]; then boot=$(readlink -f "$(dirname "$img")/boot")
	else boot=$(pkgvm__boot "$kver") || return 1
	fi
	mkdir -p "$PKGVM_CACHE" && run=$(mktemp -d "$PKGVM_CACHE/run.XXXXXX") || return 1
	PKGVM_DIRS+=("$run")
	# the disk: copy on write over the cached image, or a fresh ext4 of a tree
	if [ -d "$img" ]; then
		disk=$run/root.ext4
		mke2fs -q -F -t ext4 -d "$img" "$disk" "$(( $(du -sxm "$img" | cut -f1) + 3072 ))M" >/dev/null || return 1
		disk="file=$disk,format=raw"
	elif [ -f "$img" ]; then
		qemu-img create -q -f qcow2 -F raw -b "$(readlink -f "$img")" "$run/root.qcow2" || return 1
		disk="file=$run/root.qcow2,format=qcow2"
	else
		pkgvm__log "no image or tree $img"; return 1
	fi
	# the run's files: a tar archive as the second disk
	mkdir -p "$run/in/files"
	cp "$script" "$run/in/cordon-test.sh" && chmod 755 "$run/in/cordon-test.sh" || return 1
	pkgvm__guest_lib >"$run/in/lib.sh"
	if [ -n "$files" ]; then cp -a "$files/." "$run/in/files/" || return 1; fi
	tar -c -f "$run/in.tar" -C "$run/in" --owner=0 --group=0 --numeric-owner . || return 1
	: >"$log" && : >"$log.console" || return 1
	t0=$(date +%s.%N)
	# QEMU in a network namespace of its own (unshare execs it: $! is QEMU)
	unshare -n qemu-system-x86_64 -machine pc,accel=tcg -cpu "${PKGVM_CPU:-qemu64}" \
		-smp "${PKGVM_SMP:-2}" -m "${PKGVM_MEM:-2048}" \
		-kernel "$boot/vmlinuz" -initrd "$boot/initrd.img" \
		-append "console=ttyS0 root=/dev/vda rw panic=-1 systemd.firstboot=off mitigations=off" \
		-drive "$disk,if=virtio,cache=unsafe" \
		-drive "file=$run/in.tar,format=raw,if=virtio,readonly=on" \
		-device virtio-rng-pci -nodefaults -nic none -display none -monitor none \
		-serial "file:$log.console" -serial "file:$log" -no-reboot \
		>"$run/qemu.out" 2>&1 &
	pid=$!
	PKGVM_PIDS+=("$pid")
	local end=$((SECONDS + timeout))
	while ! ended "$pid"; do
		if [ -z "$up" ] && line=$(grep -m1 -a '^CORDON-TEST-START' "$log" 2>/dev/null); then
			up=$(pkgvm__since "$t0")
			printf 'guest up in %s s (the unit started at uptime %s s)\n' "$up" "${line#CORDON-TEST-START }"
		fi
		if [ "$SECONDS" -ge "$end" ]; then
			pkgvm__log "timeout: the guest ran more than $timeout s; QEMU $pid killed (console: $log.console)"
			kill "$pid" 2>/dev/null
			pkgvm__until 50 ended "$pid" || kill -KILL "$pid" 2>/dev/null
			break
		fi
		sleep 0.5
	done
	wait "$pid" 2>/dev/null
	for line in "${!PKGVM_PIDS[@]}"; do [ "${PKGVM_PIDS[$line]}" = "$pid" ] && unset 'PKGVM_PIDS[line]'; done
	if grep -q . "$run/qemu.out"; then sed 's/^/qemu: /' "$run/qemu.out" >&2; fi
	line=$(grep -a '^CORDON-TEST-EXIT ' "$log" | tail -1)
	if [ -z "$line" ]; then
		pkgvm__log "no CORDON-TEST-EXIT in $log (console: $log.console)"
		tail -n 15 "$log.console" | sed 's/^/console: /' >&2
	elif [ "${line#CORDON-TEST-EXIT }" = 0 ]; then
		rc=0
	fi
	pkgvm__log "guest ran $(pkgvm__since "$t0") s, ${line:-no exit line}"
	pkgvm__rm "$run"
	return $rc
}

pkgvm__until() { local n=$1 i; shift; for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done; return 1; }

pkgvm__rm() {   # RUN: its files gone (unless PKGVM_KEEP)
	local i
	[ -n "${PKGVM_KEEP:-}" ] && { pkgvm__log "kept $1"; return 0; }
	rm -rf "$1"
	for i in "${!PKGVM_DIRS[@]}"; do [ "${PKGVM_DIRS[$i]}" = "$1" ] && unset 'PKGVM_DIRS[i]'; done
	return 0
}

pkgvm_results() {
	local log=$1 pre=${2:-} line name='' det=() ex
	_pkgvm_flush() { [ -n "$name" ] && fail "$pre$name" "${det[@]}"; name=; det=(); }
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [ -n "$name" ] && [[ $line == "     "* ]]; then det+=("${line#     }"); continue; fi
		_pkgvm_flush
		case "$line" in
		"ok "*) line=${line#ok }; pass "$pre${line#"${line%%[! ]*}"}" ;;
		"FAIL "*) name=${line#FAIL } ;;
		"SKIP "*) line=${line#SKIP }; skip "$pre${line%%: *}" "${line#*: }" ;;
		esac
	done < <(grep -a -v '^CORDON-TEST-' "$log" 2>/dev/null)
	_pkgvm_flush
	ex=$(grep -a '^CORDON-TEST-EXIT ' "$log" 2>/dev/null | tail -1)
	ex=${ex#CORDON-TEST-EXIT }
	if [ -z "$ex" ]; then fail "${pre}guest script finished" "no CORDON-TEST-EXIT in $log (timeout or crash? see $log.console)"
	elif [ "$ex" != 0 ]; then fail "${pre}guest script exit status" "it exited $ex"
	fi
	return 0
}

pkgvm_cleanup() {
	local p d live=()
	for p in "${PKGVM_PIDS[@]}"; do
		# ours and still QEMU (not a reused PID)
		if [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = /usr/bin/qemu-system-x86_64 ]; then
			kill "$p" 2>/dev/null && live+=("$p")
		fi
	done
	for p in "${live[@]}"; do
		pkgvm__until 50 ended "$p" || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PKGVM_PIDS=()
	[ -n "${PKGVM_KEEP:-}" ] && return 0
	for d in "${PKGVM_DIRS[@]}"; do rm -rf "$d"; done
	PKGVM_DIRS=()
	return 0
}

# before the EXIT trap that was there (lib.sh's rm of $TMP)
pkgvm__old_trap=$(trap -p EXIT)
pkgvm__old_trap=${pkgvm__old_trap#trap -- }
pkgvm__old_trap=${pkgvm__old_trap% EXIT}
eval "pkgvm__old_trap=${pkgvm__old_trap:-''}"
# shellcheck disable=SC2064
trap "pkgvm_cleanup; $pkgvm__old_trap" EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

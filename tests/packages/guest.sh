# tests/packages/guest.sh - runs inside a fresh Debian 12 booted with
# systemd (tests/packages/run, vm.sh): cordon installed from its packages
# the way an operator would, on one machine that is both the management
# machine and a KVM host.  /root/files/old/ holds release 0.1.0's
# packages, /root/files/new/ this tree's.  Each step is checked; a figure
# is a line "figure: ...".
#   1. 0.1.0 installed with apt, its manager and agent running, a policy
#      enforced;
#   2. upgraded to this release with apt: the data migrated in place, the
#      services restarted and ready, the agent's table there throughout;
#   3. the agent enrolled again the new way (a pinned fingerprint), a
#      policy pushed through the CLI and seen in the kernel's table;
#   4. a backup taken; the agent removed (its table gone, the other
#      tables and nf_conntrack_acct as before) and purged; cordond purged.
. /root/lib.sh
set -u
F=/root/files
export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -y -q -o Dpkg::Options::=--force-confold)
H=$(hostname)
NEW=$(cat $F/new/VERSION)
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
until_() { local n=$1 i; shift; for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done; return 1; }
C() { cordon --server https://127.0.0.1:4119 --cacert /var/lib/cordon/tls.crt \
	--token-file /var/lib/cordon/admin.token "$@"; }
answers() { curl -s -o /dev/null --cacert /var/lib/cordon/tls.crt https://127.0.0.1:4119/api/v1/workloads; }
has_table() { nft list table inet cordon >/dev/null 2>&1; }
active() { [ "$(systemctl is-active "$1")" = active ]; }

# --- the host: a workload behind vnet0 (a veth into a namespace, as a
# VM's tap would be), someone else's table, conntrack's accounting as found
ip netns add wl
ip link add vnet0 type veth peer name eth0 netns wl
ip link set vnet0 up
ip addr add 10.77.0.1/24 dev vnet0
ip -n wl addr add 10.77.0.2/24 dev eth0
ip -n wl link set eth0 up
nft add table ip keepme
nft add chain ip keepme c
modprobe nf_conntrack
acct0=$(cat /proc/sys/net/netfilter/nf_conntrack_acct)
cat >/root/inv.yaml <<EOF
workloads:
  - {name: web-1, host: $H, tags: [tier=web], vnics: [{ifname: vnet0, ips: [10.77.0.2]}]}
EOF
cat >/root/pol1.yaml <<'EOF'
groups:
  - {name: web, match: 'tag == "tier=web"'}
rules:
  - {id: 1, source: [any], destination: [group:web], service: [tcp/22], action: drop}
EOF
cat >/root/pol2.yaml <<'EOF'
groups:
  - {name: web, match: 'tag == "tier=web"'}
rules:
  - {id: 1, source: [any], destination: [group:web], service: [tcp/22], action: drop}
  - {id: 77, source: [any], destination: [group:web], service: [tcp/8077], action: reject}
EOF

# --- 1. release 0.1.0 ---
t=$(now)
if "${APT[@]}" install $F/old/*.deb >/root/apt-old.log 2>&1; then
	pass "apt installs release 0.1.0's packages"
else
	fail "apt installs release 0.1.0's packages" "$(tail -20 /root/apt-old.log)"
fi
echo "figure: 0.1.0 installed in $(secs "$t") s"
until_ 600 answers && pass "0.1.0's cordond answers" ||
	fail "0.1.0's cordond answers" "$(journalctl -u cordond --no-pager | tail -20)"
C inventory push -f /root/inv.yaml --source lab >/dev/null 2>/root/err &&
	rev1=$(C policy push -f /root/pol1.yaml 2>>/root/err) && [ "$rev1" = 1 ] &&
	pass "0.1.0: inventory and policy pushed" || fail "0.1.0: inventory and policy pushed" "$(cat /root/err)"
C agent-token create --host "$H" >/root/old.token 2>>/root/err || fail "0.1.0: agent token" "$(cat /root/err)"
echo "CORDON_AGENT_OPTS=--server https://127.0.0.1:4119 --cacert /var/lib/cordon/tls.crt --token-file /root/old.token --host $H" \
	>/etc/default/cordon-agent
systemctl start cordon-agent
enforces() { nft list table inet cordon 2>/dev/null | grep -q "counter name \"$1\""; }
until_ 900 enforces r1 &&
	pass "0.1.0's agent enforces rule 1 in table inet cordon" ||
	fail "0.1.0's agent enforces" "$(systemctl status cordon-agent --no-pager 2>&1 | tail -20)" \
		"$(nft list ruleset 2>&1 | head -60)"
old_revs=$(C policy history 2>/dev/null | wc -l)

# --- 2. the upgrade ---
# the agent's options move to its file (0.1.0 had none); its credential
# stays where 0.1.0's agent kept it
cat >/etc/cordon/agent.conf <<EOF
state-dir = /var/lib/cordon-agent
server = https://127.0.0.1:4119
cacert = /var/lib/cordon/tls.crt
host = $H
EOF
# the table watched while apt runs: any moment without it is written down
( while [ ! -e /root/watch.stop ]; do has_table || echo missing; sleep 0.02; done >/root/watch.out ) &
watcher=$!
old_agent=$(systemctl show -p MainPID --value cordon-agent)
t=$(now)
if "${APT[@]}" install $F/new/*.deb >/root/apt-new.log 2>&1; then
	pass "apt upgrades to $NEW"
else
	fail "apt upgrades to $NEW" "$(tail -20 /root/apt-new.log)"
fi
echo "figure: upgrade to $NEW installed in $(secs "$t") s"
touch /root/watch.stop
wait "$watcher"
[ ! -s /root/watch.out ] && has_table && pass "the agent's table stayed in the kernel through the upgrade (fail static)" ||
	fail "the table through the upgrade" "$(sort /root/watch.out | uniq -c)"
enforces r1 && pass "... and still holds rule 1 after it" || fail "rule 1 after the upgrade" "$(nft list table inet cordon 2>&1 | head -30)"
[ "$(dpkg-query -W -f='${Version}' cordond cordon-agent cordon)" = "$NEW$NEW$NEW" ] &&
	pass "the three packages are $NEW" || fail "the packages' versions" "$(dpkg -l | grep cordon)"
active cordond && answers && pass "cordond restarted by the upgrade and answers" ||
	fail "cordond after the upgrade" "$(journalctl -u cordond --no-pager | tail -20)"
new_agent=$(systemctl show -p MainPID --value cordon-agent)
active cordon-agent && [ "$new_agent" != "$old_agent" ] &&
	[ "$(readlink /proc/"$new_agent"/exe)" = /usr/sbin/cordon-agent ] &&
	pass "cordon-agent restarted on the new binary by the upgrade" ||
	fail "cordon-agent after the upgrade" "pid $old_agent -> $new_agent" \
		"$(journalctl -u cordon-agent --no-pager | tail -20)"
[ "$(sqlite3 /var/lib/cordon/cordon.db 'PRAGMA user_version')" = @STORE_SCHEMA@ ] &&
	[ "$(sqlite3 /var/lib/cordon/cordon.db 'SELECT version FROM versions')" = "$NEW" ] &&
	pass "the store migrated in place (schema @STORE_SCHEMA@, opened by $NEW)" ||
	fail "the store's migration" "$(sqlite3 /var/lib/cordon/cordon.db 'PRAGMA user_version; SELECT * FROM versions' 2>&1)"
C policy show 2>/dev/null | grep -q "tcp/22" && [ "$(C policy history 2>/dev/null | wc -l)" = "$old_revs" ] &&
	C workloads 2>/dev/null | grep -q web-1 &&
	pass "0.1.0's policy, revisions and inventory read by $NEW" || fail "0.1.0's data after the upgrade" "$(C policy history 2>&1)"
until_ 300 eval 'C agents --json 2>/dev/null | grep -q "\"current\": true"' &&
	pass "the upgraded agent reports to the upgraded manager" || fail "the agent after the upgrade" "$(C agents 2>&1)"

# --- 3. enrollment with a pinned fingerprint, and a policy pushed ---
pin=$(cordond --fingerprint 2>/root/err)
case $pin in sha256//*) pass "cordond --fingerprint reads its file and data directory" ;;
*) fail "cordond --fingerprint" "$pin" "$(cat /root/err)" ;; esac
systemctl stop cordon-agent
rm -f /var/lib/cordon-agent/credential
C agent-token create --host "$H" >/root/new.token 2>/root/err || fail "agent token" "$(cat /root/err)"
cordon-agent enroll --server https://127.0.0.1:4119 --token-file /root/new.token --fingerprint "$pin" \
	</dev/null >/root/enroll.out 2>&1 && grep -qx "fingerprint = $pin" /etc/cordon/agent.conf &&
	! grep -q '^cacert' /etc/cordon/agent.conf &&
	pass "cordon-agent enroll with the pinned fingerprint" || fail "enroll" "$(cat /root/enroll.out /etc/cordon/agent.conf)"
t=$(now)
systemctl start cordon-agent && active cordon-agent &&
	pass "cordon-agent started (Type=notify: ready when the start returns)" ||
	fail "cordon-agent start" "$(journalctl -u cordon-agent --no-pager | tail -20)"
echo "figure: cordon-agent from systemctl start to ready in $(secs "$t") s"
rev2=$(C policy push -f /root/pol2.yaml 2>/root/err)
until_ 900 enforces r77 &&
	pass "policy revision $rev2 pushed with the CLI is in the kernel's table" ||
	fail "revision $rev2 in the kernel" "$(cat /root/err)" "$(nft list table inet cordon 2>&1 | head -30)"
systemctl stop cordond
t=$(now)
systemctl start cordond && active cordond && answers &&
	pass "cordond started (Type=notify: it answers when the start returns)" || fail "cordond start" \
		"$(journalctl -u cordond --no-pager | tail -20)"
echo "figure: cordond from systemctl start to ready in $(secs "$t") s"
systemctl reload cordond && active cordond && answers &&
	until_ 100 eval 'journalctl -u cordond --no-pager | grep -q "SIGHUP: TLS certificate"' &&
	pass "systemctl reload cordond reads the certificate again" || fail "reload" "$(journalctl -u cordond --no-pager | tail -5)"
# a manager whose certificate a CA in the system's store signed: the CLI
# given no --cacert trusts it by that store; given another CA, not
(cd /root && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
	-subj /CN=cordon-test-ca -days 2 &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout m2.key -out m2.csr -subj /CN=localhost &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >m2.ext &&
	openssl x509 -req -in m2.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out m2.crt -days 2 -extfile m2.ext &&
	cp ca.crt /usr/local/share/ca-certificates/cordon-test-ca.crt && update-ca-certificates) >/root/err 2>&1 ||
	fail "a test CA in the system's store" "$(tail -5 /root/err)"
cordond --data-dir /root/m2 --listen 127.0.0.1:4120 --tls-cert /root/m2.crt --tls-key /root/m2.key \
	2>/root/m2.log &
m2=$!
until_ 300 test -s /root/m2/admin.token
M2=(cordon --server https://127.0.0.1:4120 --token-file /root/m2/admin.token)
until_ 100 eval '"${M2[@]}" workloads >/root/m2.out 2>&1' &&
	pass "the CLI with no --cacert trusts a manager by the system's CA store" ||
	fail "the CLI by the system's store" "$(cat /root/m2.out)" "$(tail -3 /root/m2.log)"
! "${M2[@]}" --cacert /var/lib/cordon/tls.crt workloads >/root/m2.out 2>&1 &&
	grep -q -i 'certificate' /root/m2.out &&
	pass "... and with --cacert of another CA, not (the system's store is not read then)" ||
	fail "the CLI with another CA" "$(cat /root/m2.out)"
kill "$m2"; wait "$m2"

# the agent's reload: a bad agent.conf said and not taken, a good one
# taken by the same process, its table there throughout
apid=$(systemctl show -p MainPID --value cordon-agent)
journal_has() { journalctl -u cordon-agent --no-pager | grep -q "$1"; }
echo 'bogus-option = 1' >>/etc/cordon/agent.conf
systemctl reload cordon-agent &&
	until_ 300 journal_has "agent.conf:[0-9]*: .*bogus-option" && journal_has "configuration is not taken" &&
	active cordon-agent && [ "$(systemctl show -p MainPID --value cordon-agent)" = "$apid" ] &&
	pass "systemctl reload cordon-agent with a bad agent.conf: said with its line, the agent goes on" ||
	fail "the agent's reload of a bad file" "$(journalctl -u cordon-agent --no-pager | tail -5)"
sed -i '/^bogus-option/d' /etc/cordon/agent.conf
kept() { journalctl -u cordon-agent --no-pager | grep -c "kept the table an earlier run left"; }
k0=$(kept)
systemctl reload cordon-agent &&
	until_ 300 journal_has "the configuration is good: the agent starts again" &&
	until_ 300 eval '[ "$(kept)" -gt "$k0" ]' &&
	[ "$(systemctl show -p MainPID --value cordon-agent)" = "$apid" ] && active cordon-agent && has_table &&
	enforces r77 && pass "systemctl reload cordon-agent: the agent started again in its process, enforcing" ||
	fail "the agent's reload" "$(journalctl -u cordon-agent --no-pager | tail -8)"
echo "figure: systemd-analyze security: $(systemd-analyze security cordond.service 2>/dev/null | tail -1)"
echo "figure: systemd-analyze security: $(systemd-analyze security cordon-agent.service 2>/dev/null | tail -1)"
[ "$(stat -c '%U %a' /var/lib/cordon)" = "cordon 700" ] && [ "$(stat -c '%U %a' /var/lib/cordon/tls.key)" = "cordon 600" ] &&
	[ "$(ps -o user= -p "$(systemctl show -p MainPID --value cordond)")" = cordon ] &&
	pass "cordond runs as cordon, its state 0700 and its key 0600" || fail "cordond's user and modes" \
		"$(ls -la /var/lib/cordon)"
# DAC_OVERRIDE 1, DAC_READ_SEARCH 2, FOWNER 3, NET_ADMIN 12, SYS_ADMIN 21
caps=$(awk '/^CapBnd/ { print $2 }' /proc/"$(systemctl show -p MainPID --value cordon-agent)"/status)
[ "$caps" = 000000000020100e ] && pass "the agent's capabilities are the five its unit names" ||
	fail "the agent's capability bound" "$caps"

# --- real-time scanning under the unit's sandbox (its own mount
# namespace): the agent enrolled again as web-1's scanning agent sees a
# file another process writes, and takes it into its vault ---
systemctl stop cordon-agent
rm -f /var/lib/cordon-agent/credential
sed -i '/^host = /d' /etc/cordon/agent.conf
mkdir -p /srv/drop
C agent-token create --workload web-1 >/root/wl.token 2>/root/err || fail "a workload's token" "$(cat /root/err)"
cordon-agent enroll --server https://127.0.0.1:4119 --token-file /root/wl.token --fingerprint "$pin" \
	--workload web-1 --scan-path /srv/drop --signatures $F/sigs </dev/null >/root/enroll2.out 2>&1 &&
	systemctl start cordon-agent && active cordon-agent &&
	pass "the agent enrolled again as web-1's scanning agent, started" ||
	fail "the scanning agent" "$(cat /root/enroll2.out)" "$(journalctl -u cordon-agent --no-pager | tail -10)"
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
printf '%s' "$EICAR" >/srv/drop/invoice.com
detected() { C events --workload web-1 --json 2>/dev/null | grep -q 'Cordon.Test.EICAR'; }
until_ 600 detected && [ ! -e /srv/drop/invoice.com ] && ls /var/lib/cordon-agent/scan/vault/*.json >/dev/null 2>&1 &&
	pass "a file written by another process is scanned in real time and taken into the vault" ||
	fail "real-time scanning under the unit" "$(ls -la /srv/drop)" "$(journalctl -u cordon-agent --no-pager | tail -10)"

# --- 4. backup, removal, purge ---
runuser -u cordon -- cordon backup --data-dir /var/lib/cordon /var/lib/cordon/test.backup >/root/backup.out 2>&1 &&
	[ "$(stat -c %a /var/lib/cordon/test.backup)" = 600 ] &&
	pass "cordon backup, as the manager's user, while it runs (0600)" || fail "cordon backup" "$(cat /root/backup.out)"
# a restore by root into the service's directory is refused (cordond,
# as cordon, could not read what root made)
systemctl stop cordond
cordond --restore /var/lib/cordon/test.backup --data-dir /var/lib/cordon >/root/restore.out 2>&1
[ $? = 2 ] && grep -q "belongs to cordon: restore as that user" /root/restore.out &&
	pass "cordond --restore as root into cordon's directory: refused, saying as whom" ||
	fail "restore as root" "$(cat /root/restore.out)"
runuser -u cordon -- cordond --restore /var/lib/cordon/test.backup --data-dir /var/lib/cordon >/root/restore.out 2>&1 &&
	systemctl start cordond && active cordond && answers && C policy show 2>/dev/null | grep -q tcp/8077 &&
	pass "restored as cordon, the service starts on it with the policy of the backup" ||
	fail "restore as cordon" "$(cat /root/restore.out)" "$(journalctl -u cordond --no-pager | tail -5)"
"${APT[@]}" remove cordon-agent >/root/apt-rm.log 2>&1 && pass "apt removes cordon-agent" ||
	fail "apt removes cordon-agent" "$(tail -20 /root/apt-rm.log)"
! has_table && ! nft list table bridge cordon >/dev/null 2>&1 &&
	pass "its nftables tables are gone" || fail "its tables after removal" "$(nft list tables)"
nft list table ip keepme >/dev/null 2>&1 && pass "another table is left as it was" || fail "another table" "$(nft list tables)"
[ "$(cat /proc/sys/net/netfilter/nf_conntrack_acct)" = "$acct0" ] &&
	pass "nf_conntrack_acct is back to $acct0" || fail "nf_conntrack_acct" "$(cat /proc/sys/net/netfilter/nf_conntrack_acct)"
! pgrep -f 'cordon-agent' >/dev/null && pass "no agent nor flow keeper left running" || fail "processes left" "$(pgrep -af cordon-agent)"
[ -e /var/lib/cordon-agent/credential ] && pass "remove keeps the agent's state" || fail "remove keeps the state"
"${APT[@]}" purge cordon-agent >/root/apt-purge.log 2>&1 && [ ! -e /var/lib/cordon-agent ] &&
	[ ! -e /etc/cordon/agent.conf ] && pass "purge deletes the agent's state and file" ||
	fail "purge cordon-agent" "$(tail -5 /root/apt-purge.log)" "$(ls -la /var/lib/cordon-agent /etc/cordon 2>&1)"
"${APT[@]}" purge cordond cordon >/root/apt-purge2.log 2>&1 && [ ! -e /var/lib/cordon ] &&
	! getent passwd cordon >/dev/null && ! systemctl cat cordond >/dev/null 2>&1 &&
	pass "purge deletes the manager's state, its user and its unit" ||
	fail "purge cordond" "$(tail -5 /root/apt-purge2.log)"

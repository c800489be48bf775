#!/usr/bin/env python3
"""tests/guest/console.py SOCKET TIMEOUT CMD - runs CMD in a test guest's
shell on its serial console (a unix socket QEMU serves) and prints its
output; exits with CMD's status, or 124 when no answer came in TIMEOUT
seconds (the guest not up yet, or the command still running)."""
import os, re, socket, sys, time

path, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3]
tok = os.urandom(6).hex()
deadline = time.monotonic() + timeout
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
while True:
    try:
        s.connect(path)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(124)
        time.sleep(0.1)
# the markers are written split ('@B'tok) so the terminal's echo of the
# typed line never matches them
line = "stty -echo 2>/dev/null; echo '@B'%s; { %s ; } 2>&1; echo '@E'%s $?\n" % (tok, cmd, tok)
s.sendall(line.encode())
buf = b""
end = re.compile(rb"@E%s (\d+)\r?\n" % tok.encode())
while True:
    left = deadline - time.monotonic()
    if left <= 0:
        sys.exit(124)
    s.settimeout(left)
    try:
        d = s.recv(65536)
    except socket.timeout:
        sys.exit(124)
    if not d:
        sys.exit(124)
    buf += d
    m = end.search(buf)
    if m:
        b = buf.find(b"@B%s" % tok.encode())
        out = buf[buf.find(b"\n", b) + 1 if b >= 0 else 0:m.start()]
        sys.stdout.write(out.replace(b"\r", b"").decode(errors="replace"))
        sys.exit(int(m.group(1)))

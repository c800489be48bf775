#!/usr/bin/env python3
"""tests/report/sink.py - the receivers a report is delivered to in
tests/report/run, each keeping what it is sent in a directory:

  sink.py smtp PORT DIR   an SMTP server (Debian's python3-aiosmtpd) on
                          127.0.0.1: each message as DIR/N.eml, its
                          envelope as DIR/N.json
  sink.py http PORT DIR   an HTTP server: each POST's headers and body as
                          DIR/N.json and DIR/N.body; POST /fail answers
                          500 "disk full"

DIR/ready is written once it listens.  Ends on SIGTERM."""
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

kind, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
count = 0
lock = threading.Lock()


def next_name():
    global count
    with lock:
        count += 1
        return os.path.join(out, str(count))


def smtp():
    from aiosmtpd.controller import Controller

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            base = next_name()
            with open(base + ".eml", "wb") as f:
                f.write(envelope.original_content)
            with open(base + ".json", "w") as f:
                json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
            return "250 kept"

    c = Controller(Keep(), hostname="127.0.0.1", port=port)
    c.start()
    return c.stop


def http():
    class Keep(BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            base = next_name()
            with open(base + ".body", "wb") as f:
                f.write(body)
            with open(base + ".json", "w") as f:
                json.dump({"path": self.path, "headers": dict(self.headers.items())}, f)
            code, text = (500, b"disk full\n") if self.path == "/fail" else (200, b"ok\n")
            self.send_response(code)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *a):
            pass

    s = ThreadingHTTPServer(("127.0.0.1", port), Keep)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    return s.shutdown


stop = smtp() if kind == "smtp" else http()
open(os.path.join(out, "ready"), "w").close()
signal.signal(signal.SIGTERM, lambda *a: (stop(), os._exit(0)))
while True:
    signal.pause()

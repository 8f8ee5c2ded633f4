#!/usr/bin/env python3
"""A local Microsoft Graph sendMail endpoint for Gatehouse's tests, standing
in for https://graph.microsoft.com (not reachable from here), beside
scripts/oauth_server.py, whose Graph tokens it takes.

POST /v1.0/users/<mailbox>/sendMail, as Graph takes a MIME message:
- `Authorization: Bearer tok.graph-<nonce>.<hmac-sha256(secret, nonce)>`
  (a token scripts/oauth_server.py issued for https://graph.microsoft.com/.default;
  an SMTP token, a forged one or none: 401 InvalidAuthenticationToken);
- `Content-Type: text/plain` and the body the base64 of an RFC 5322 message
  whose From is the path's mailbox, with a To, a Subject and a Message-ID
  (otherwise: 400 ErrorMimeContentInvalidBase64String or ErrorInvalidRecipients).

What it answers depends on the path's mailbox, as Graph would for such a one:
- the --mailbox: 202 Accepted (the message is written to --spool);
- denied@<domain>: 403 ErrorAccessDenied (no Mail.Send, or an application
  access policy leaving the mailbox out);
- onprem@<domain>: 404 MailboxNotEnabledForRESTAPI;
- throttled@<domain>: 429 ApplicationThrottled with `Retry-After: --retry-after`;
- busy@<domain>: 429 like throttled the first time, then 202 as the --mailbox;
- any other: 404 ErrorInvalidUser.

Prints `READY <port>`, then per request
`EVENT SEND <mailbox> <status> [<recipient>]`. Stops when its standard input closes.
"""
import argparse
import base64
import binascii
import hashlib
import hmac
import json
import os
import sys
import threading
import urllib.parse
from email import message_from_bytes
from email.utils import getaddresses, parseaddr
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def say(line):
    print(line, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--secret", required=True, help="the token endpoint's signing secret")
    p.add_argument("--mailbox", required=True, help="the mailbox that may send")
    p.add_argument("--spool", required=True, help="a directory to write accepted messages to")
    p.add_argument("--retry-after", type=int, default=120, help="seconds in a 429's Retry-After")
    args = p.parse_args()
    domain = args.mailbox.split("@", 1)[1]
    state = {"count": 0, "busy": 0}
    lock = threading.Lock()

    def token_ok(header):
        if not header.startswith("Bearer "):
            return False
        parts = header[len("Bearer "):].split(".")
        if len(parts) != 3 or parts[0] != "tok" or not parts[1].startswith("graph-"):
            return False
        expected = hmac.new(args.secret.encode(), parts[1].encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts[2])

    class Endpoint(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def answer(self, status, code=None, message="", headers=()):
            data = json.dumps({"error": {"code": code, "message": message}}).encode() if code else b""
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            parts = self.path.split("/")
            if len(parts) != 5 or parts[:3] != ["", "v1.0", "users"] or parts[4] != "sendMail":
                say(f"EVENT SEND - 404 {self.path}")
                return self.answer(404, "BadRequest", f"Resource not found for the segment '{self.path}'.")
            mailbox = urllib.parse.unquote(parts[3])
            if not token_ok(self.headers.get("Authorization", "")):
                say(f"EVENT SEND {mailbox} 401")
                return self.answer(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
            local = mailbox.split("@", 1)[0] if mailbox.endswith("@" + domain) else None
            if local == "denied":
                say(f"EVENT SEND {mailbox} 403")
                return self.answer(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
            if local == "onprem":
                say(f"EVENT SEND {mailbox} 404")
                return self.answer(404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
            throttled = local == "throttled"
            if local == "busy":
                with lock:
                    state["busy"] += 1
                    throttled = state["busy"] == 1
            if throttled:
                say(f"EVENT SEND {mailbox} 429")
                return self.answer(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", [("Retry-After", str(args.retry_after))])
            if mailbox != args.mailbox and local != "busy":
                say(f"EVENT SEND {mailbox} 404")
                return self.answer(404, "ErrorInvalidUser", f"The requested user '{mailbox}' is invalid.")
            if self.headers.get("Content-Type", "").split(";")[0].strip() != "text/plain":
                say(f"EVENT SEND {mailbox} 415")
                return self.answer(415, "ErrorInvalidContentType", "MIME content must be sent as text/plain.")
            try:
                raw = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                say(f"EVENT SEND {mailbox} 400")
                return self.answer(400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.")
            message = message_from_bytes(raw)
            sender = parseaddr(message.get("From", ""))[1]
            to = [a for _, a in getaddresses(message.get_all("To", []))]
            if sender.lower() != mailbox.lower() or not to or not message.get("Subject") or not message.get("Message-ID"):
                say(f"EVENT SEND {mailbox} 400")
                return self.answer(400, "ErrorInvalidRecipients", f"From {sender!r} is not the mailbox, or To, Subject or Message-ID is missing.")
            with lock:
                state["count"] += 1
                with open(os.path.join(args.spool, f"{state['count']:04}.eml"), "wb") as f:
                    f.write(raw)
            say(f"EVENT SEND {mailbox} 202 {to[0]}")
            self.answer(202)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    say(f"READY {server.server_address[1]}")
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()

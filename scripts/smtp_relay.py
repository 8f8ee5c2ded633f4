#!/usr/bin/env python3
"""A real SMTP server for Gatehouse's tests, built on aiosmtpd.

Modes: plain SMTP, STARTTLS offered, or implicit TLS; optional AUTH with one
username and password; optional addresses whose RCPT is refused with 550.
Prints `READY <port>` once listening, then one line per event:
`EVENT EHLO <name>`, `EVENT AUTH <ok|fail>`, `EVENT MAIL <from>`, `EVENT DATA <message-id>`, `MESSAGE <file>` (the message is
saved under --maildir as <n>.eml, with `X-Envelope-To:` lines first).
Stops on SIGTERM or when its standard input closes.
"""
import argparse
import asyncio
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def say(line):
    print(line, flush=True)


class Handler:
    def __init__(self, maildir, reject, fail_data, drop_data):
        self.maildir = maildir
        self.reject = {a.lower() for a in reject}
        self.count = 0
        self.datas = 0
        # (how many DATA commands to refuse, with what reply), e.g. (2, "421 4.3.0 Try again later")
        self.fail_data = fail_data
        self.drop_data = drop_data

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        say(f"EVENT EHLO {hostname}")
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        say(f"EVENT MAIL {address}")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.datas += 1
        content = envelope.original_content or envelope.content
        message_id = next((l.split(b":", 1)[1].strip().decode() for l in content.splitlines() if l.lower().startswith(b"message-id:")), "")
        say(f"EVENT DATA {message_id}")
        if self.datas <= self.drop_data:
            # The connection dies before the relay answers the message: not delivered.
            server.transport.close()
            return "421 4.4.2 Connection dropped"
        if self.fail_data and self.datas <= self.fail_data[0]:
            return self.fail_data[1]
        self.count += 1
        path = os.path.join(self.maildir, f"{self.count}.eml")
        with open(path, "wb") as f:
            for rcpt in envelope.rcpt_tos:
                f.write(f"X-Envelope-To: {rcpt}\r\n".encode())
            f.write(envelope.original_content or envelope.content)
        say(f"MESSAGE {path}")
        return f"250 2.0.0 Ok: queued as TEST{self.count}"


def authenticator(expected):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == expected
        say(f"EVENT AUTH {'ok' if ok else 'fail'}")
        # handled=False: aiosmtpd answers 235 or 535 itself.
        return AuthResult(success=ok, handled=False)

    return check


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--mode", choices=["plain", "starttls", "ssl"], default="plain")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth", help="USER:PASSWORD; AUTH is then offered and required")
    p.add_argument("--reject-rcpt", action="append", default=[])
    p.add_argument("--fail-data", help="N:REPLY, refuse the first N messages with REPLY (e.g. '2:421 4.3.0 Try again later')")
    p.add_argument("--drop-data", type=int, default=0, help="drop the connection on the first N messages, before answering")
    p.add_argument("--maildir", required=True)
    args = p.parse_args()

    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    kwargs = {"auth_require_tls": False, "decode_data": False}
    if args.auth:
        user, _, password = args.auth.partition(":")
        kwargs.update(authenticator=authenticator((user, password)), auth_required=True)
    if args.mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    if args.mode == "ssl":
        kwargs.update(ssl_context=context)

    port = args.port or free_port()
    fail_data = None
    if args.fail_data:
        n, _, reply = args.fail_data.partition(":")
        fail_data = (int(n), reply)
    handler = Handler(args.maildir, args.reject_rcpt, fail_data, args.drop_data)
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    say(f"READY {port}")

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A real SMTP server for Gatehouse's tests, built on aiosmtpd.

Modes: plain SMTP, STARTTLS offered, or implicit TLS; optional AUTH with one
username and password, or AUTH XOAUTH2 for one mailbox with tokens issued by
scripts/oauth_server.py (checked with the secret they share); optional
addresses whose RCPT is refused with 550.
Prints `READY <port>` once listening, then one line per event:
`EVENT EHLO <name>`, `EVENT AUTH <ok|fail>`, `EVENT MAIL <from>`, `EVENT DATA <message-id>`, `MESSAGE <file>` (the message is
saved under --maildir as <n>.eml, with `X-Envelope-From:` (MAIL FROM) and `X-Envelope-To:` lines first).
Stops on SIGTERM or when its standard input closes.
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
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

    # Seconds each DATA takes to answer (--data-delay-ms): a slow relay.
    data_delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        self.datas += 1
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
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
            f.write(f"X-Envelope-From: {envelope.mail_from}\r\n".encode())
            for rcpt in envelope.rcpt_tos:
                f.write(f"X-Envelope-To: {rcpt}\r\n".encode())
            # Which connection brought it (the client's port): tells sessions apart.
            f.write(f"X-Session: {session.peer[1]}\r\n".encode())
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


class XOAuth2Handler(Handler):
    """Also takes `AUTH XOAUTH2`: `user=<mailbox>^Aauth=Bearer <token>^A^A`,
    where the token is one oauth_server.py issued (`tok.<nonce>.<hmac>`)."""

    def __init__(self, *args, user, secret, reject_tokens):
        super().__init__(*args)
        self.user = user
        self.secret = secret.encode()
        self.reject_tokens = reject_tokens

    async def auth_XOAUTH2(self, server, args):
        if len(args) < 2:
            blob = await server.challenge_auth("", encode_to_b64=False)
        else:
            blob = base64.b64decode(args[1])
        fields = dict(part.split("=", 1) for part in blob.decode(errors="replace").split("\x01") if "=" in part)
        token = fields.get("auth", "").removeprefix("Bearer ")
        ok = fields.get("user") == self.user and valid_token(self.secret, token) and not self.reject_tokens
        say(f"EVENT AUTH {'ok' if ok else 'fail'} XOAUTH2 {token}")
        if ok:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")


def valid_token(secret, token):
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != "tok":
        return False
    expected = hmac.new(secret, parts[1].encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts[2])


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
    p.add_argument("--data-delay-ms", type=int, default=0, help="answer each DATA this much later (a slow relay)")
    p.add_argument("--maildir", required=True)
    p.add_argument("--xoauth2", help="USER:SECRET; AUTH XOAUTH2 is then offered and required, for USER with tokens signed with SECRET")
    p.add_argument("--reject-tokens", action="store_true", help="refuse every XOAUTH2 token (535)")
    args = p.parse_args()

    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    kwargs = {"auth_require_tls": False, "decode_data": False}
    if args.auth:
        user, _, password = args.auth.partition(":")
        kwargs.update(authenticator=authenticator((user, password)), auth_required=True)
    if args.xoauth2:
        # Only XOAUTH2 is offered (the built-in mechanisms would take any
        # password), and, as Microsoft's and Google's relays do, only over TLS.
        kwargs.update(auth_required=True, auth_exclude_mechanism=["LOGIN", "PLAIN"], auth_require_tls=args.mode != "plain")
    if args.mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    if args.mode == "ssl":
        kwargs.update(ssl_context=context)

    port = args.port or free_port()
    fail_data = None
    if args.fail_data:
        n, _, reply = args.fail_data.partition(":")
        fail_data = (int(n), reply)
    if args.xoauth2:
        user, _, secret = args.xoauth2.partition(":")
        handler = XOAuth2Handler(args.maildir, args.reject_rcpt, fail_data, args.drop_data, user=user, secret=secret, reject_tokens=args.reject_tokens)
    else:
        handler = Handler(args.maildir, args.reject_rcpt, fail_data, args.drop_data)
    handler.data_delay = args.data_delay_ms / 1000
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

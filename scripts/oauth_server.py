#!/usr/bin/env python3
"""A local OAuth2 token endpoint for Gatehouse's tests, standing in for
Microsoft's and Google's (neither is reachable from here).

- Microsoft 365, client credentials: POST /<tenant>/oauth2/v2.0/token with
  grant_type=client_credentials, client_id, client_secret and
  scope=https://outlook.office365.com/.default (SMTP) or
  https://graph.microsoft.com/.default (Graph's sendMail). A wrong secret
  gets Entra's own answer: 401 {"error": "invalid_client", "error_description": "AADSTS7000215: …"}.
- Google, JWT bearer (RFC 7523): POST /google/token with
  grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer and an RS256
  assertion, verified against the service account's public key: iss, sub
  (the mailbox), aud (this endpoint), scope https://mail.google.com/, iat/exp.
  On start a key pair is generated and the service account's key file
  (private key included) is written to --key-file, for the test to save.

--pad-answer N adds N bytes to every successful answer, sent without a
Content-Length (the body ends when the connection closes), as an endpoint
flooding its client would.

Tokens are `tok.<nonce>.<hmac-sha256(secret, nonce)>`, which
scripts/smtp_relay.py --xoauth2 USER:SECRET accepts; a Graph token's nonce
starts with `graph-`, which scripts/graph_server.py requires (and the relay
does not: its check is the signature). Prints `READY <port>`, then
`EVENT TOKEN <microsoft|graph|google> <ok|fail> [<token>]` per request.
Stops when its standard input closes.
"""
import argparse
import base64
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def say(line):
    print(line, flush=True)


def b64url_decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--secret", required=True, help="signs the tokens (shared with the relay)")
    p.add_argument("--tenant", default="contoso.onmicrosoft.com")
    p.add_argument("--client-id", default="11111111-2222-3333-4444-555555555555")
    p.add_argument("--client-secret", default="the right client secret")
    p.add_argument("--service-account", default="mailer@gatehouse-test.iam.gserviceaccount.com")
    p.add_argument("--mailbox", required=True, help="the user Google's assertion must name (sub)")
    p.add_argument("--key-file", required=True, help="where to write the service account's key file")
    p.add_argument("--expires-in", type=int, default=3600, help="the lifetime stated in answers, any integer (even past 64 bits)")
    p.add_argument("--pad-answer", type=int, default=0, help="add this many bytes to every token answer, with no Content-Length")
    p.add_argument("--down", action="store_true", help="answer 503 to everything (an outage)")
    args = p.parse_args()

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    state = {"port": 0}

    def issue(prefix=""):
        nonce = prefix + secrets.token_hex(8)
        return f"tok.{nonce}.{hmac.new(args.secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()}"

    class Endpoint(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def issued(self, body):
            if not args.pad_answer:
                return self.answer(200, body)
            # Padded, and with no Content-Length: the client learns the size only by reading.
            data = json.dumps({**body, "padding": "x" * args.pad_answer}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for at in range(0, len(data), 8192):
                    self.wfile.write(data[at:at + 8192])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading, as it should
            self.close_connection = True

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
            if args.down:
                say("EVENT TOKEN down fail")
                return self.answer(503, {"error": "temporarily_unavailable", "error_description": "the test endpoint is down"})
            if self.path == f"/{args.tenant}/oauth2/v2.0/token":
                return self.microsoft(form)
            if self.path == "/google/token":
                return self.google(form)
            self.answer(404, {"error": "not_found", "error_description": f"no token endpoint at {self.path}"})

        def microsoft(self, form):
            graph = form.get("scope") == "https://graph.microsoft.com/.default"
            kind = "graph" if graph else "microsoft"
            if form.get("grant_type") != "client_credentials" or form.get("scope") not in ("https://outlook.office365.com/.default", "https://graph.microsoft.com/.default"):
                say("EVENT TOKEN microsoft fail")
                return self.answer(400, {"error": "invalid_request", "error_description": "AADSTS900144: wrong grant_type or scope"})
            if form.get("client_id") != args.client_id:
                say(f"EVENT TOKEN {kind} fail")
                return self.answer(400, {"error": "unauthorized_client", "error_description": f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found in the directory '{args.tenant}'."})
            if form.get("client_secret") != args.client_secret:
                say(f"EVENT TOKEN {kind} fail")
                return self.answer(401, {"error": "invalid_client", "error_description": f"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{args.client_id}'."})
            token = issue("graph-" if graph else "")
            say(f"EVENT TOKEN {kind} ok {token}")
            self.issued({"token_type": "Bearer", "expires_in": args.expires_in, "access_token": token})

        def google(self, form):
            try:
                if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
                    raise ValueError("unsupported grant_type")
                header_b64, claims_b64, signature_b64 = form["assertion"].split(".")
                header = json.loads(b64url_decode(header_b64))
                if header.get("alg") != "RS256":
                    raise ValueError("not RS256")
                public.verify(b64url_decode(signature_b64), f"{header_b64}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
                claims = json.loads(b64url_decode(claims_b64))
                now = time.time()
                checks = {
                    "iss": claims.get("iss") == args.service_account,
                    "sub": claims.get("sub") == args.mailbox,
                    "aud": claims.get("aud") == f"http://127.0.0.1:{state['port']}/google/token",
                    "scope": claims.get("scope") == "https://mail.google.com/",
                    "time": claims.get("iat", 0) <= now + 60 and claims.get("exp", 0) > now,
                }
                failed = [k for k, ok in checks.items() if not ok]
                if failed:
                    raise ValueError(f"claims wrong: {', '.join(failed)}")
            except Exception as e:  # any malformed or unverifiable assertion
                say("EVENT TOKEN google fail")
                return self.answer(400, {"error": "invalid_grant", "error_description": f"Invalid JWT: {e}"})
            token = issue()
            say(f"EVENT TOKEN google ok {token}")
            self.issued({"token_type": "Bearer", "expires_in": args.expires_in, "access_token": token})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    state["port"] = server.server_address[1]
    with open(args.key_file, "w") as f:
        json.dump({
            "type": "service_account",
            "project_id": "gatehouse-test",
            "private_key_id": secrets.token_hex(20),
            "private_key": pem,
            "client_email": args.service_account,
            "client_id": "123456789012345678901",
            "token_uri": f"http://127.0.0.1:{state['port']}/google/token",
        }, f)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    say(f"READY {state['port']}")
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()

"""A test SMTP server that keeps every message it accepts, and fails on purpose.

Run with Debian's interpreter (the one that sees python3-aiosmtpd):

    /usr/bin/python3 tests/servers/keeper.py --dir DIR --port PORT
        [--starttls CERT KEY | --smtps CERT KEY] [--auth USER:PASSWORD] [--rules FILE]

or as a plain aiosmtpd handler:
`PYTHONPATH=tests/servers /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c keeper.Keeper DIR`.

What it keeps: for each accepted message, `DIR/<n>.eml` holds the message exactly as
received (after SMTP dot-unstuffing), and `DIR/<n>.json` its envelope:
`{"mail_from", "rcpt_tos", "peer", "received_at", "tls", "auth"}`. The JSON file is
written first and the `.eml` renamed into place last, so a `.eml` always has its envelope.
`<n>` is `<nanoseconds since 1970, 20 digits>-<pid>-<counter>`: names sort in the order
of acceptance, also across restarts of the server on the same folder.

How it fails: by the local part of the recipient. A local part starting with
`451-`, `550-`, `421-` or `drop-` is answered at RCPT with 451, 550, or 421 followed by
closing the connection; `drop-` accepts RCPT, then closes the connection once the data is
received, before answering it. `451x2-alice@example.org` fails the first 2 times for that
address, then is accepted (counts are per address, kept while the server runs). A rules
file, read again at every RCPT, does the same for whole addresses, one per line:
`ADDRESS ACTION [TIMES]`, e.g. `bob@example.org 451 3`; `#` starts a comment.
"""

import argparse
import asyncio
import json
import logging
import os
import re
import ssl
import sys
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

ACTIONS = {"451", "550", "421", "drop"}
PREFIX = re.compile(r"^(451|550|421|drop)(?:x(\d+))?-")
REPLIES = {
    "451": "451 4.3.0 Try again later (test rule)",
    "550": "550 5.1.1 No such user here (test rule)",
    "421": "421 4.3.2 Service shutting down (test rule)",
}


class Keeper:
    """The aiosmtpd handler: keeps accepted mail in a folder, fails chosen recipients."""

    def __init__(self, folder, rules=None):
        self.folder = folder
        self.rules = rules
        self.counter = 0
        self.failures = {}
        os.makedirs(folder, exist_ok=True)

    def rule_for(self, address):
        """The (action, times) rule for an address, or None; times None means always."""
        local = address.split("@", 1)[0]
        match = PREFIX.match(local)
        if match:
            times = int(match.group(2)) if match.group(2) else None
            return match.group(1), times
        if self.rules and os.path.exists(self.rules):
            with open(self.rules, encoding="utf-8") as lines:
                for line in lines:
                    fields = line.split("#", 1)[0].split()
                    if len(fields) >= 2 and fields[0].lower() == address.lower():
                        if fields[1] in ACTIONS:
                            times = int(fields[2]) if len(fields) > 2 else None
                            return fields[1], times
        return None

    def should_fail(self, address, action_wanted):
        """Whether this attempt for `address` fails with `action_wanted`; counts it."""
        rule = self.rule_for(address)
        if rule is None or rule[0] != action_wanted:
            return False
        action, times = rule
        key = address.lower()
        done = self.failures.get(key, 0)
        if times is not None and done >= times:
            return False
        self.failures[key] = done + 1
        return True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        for action in ("451", "550"):
            if self.should_fail(address, action):
                return REPLIES[action]
        if self.should_fail(address, "421"):
            # Closed once the reply is written (close() flushes what is buffered).
            server.loop.call_soon(server.transport.close)
            return REPLIES["421"]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            if self.should_fail(address, "drop"):
                server.transport.abort()
                return "451 dropped"
        self.counter += 1
        # Unique across restarts of the server on the same folder, and sorted by time.
        name = f"{time.time_ns():020d}-{os.getpid()}-{self.counter:06d}"
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "peer": f"{session.peer[0]}:{session.peer[1]}",
            "received_at": time.time(),
            "tls": server.transport.get_extra_info("sslcontext") is not None,
            "auth": session.auth_data if session.authenticated else None,
        }
        with open(os.path.join(self.folder, name + ".json"), "w", encoding="utf-8") as out:
            json.dump(meta, out)
        temporary = os.path.join(self.folder, "." + name + ".tmp")
        with open(temporary, "wb") as out:
            out.write(envelope.original_content)
        os.rename(temporary, os.path.join(self.folder, name + ".eml"))
        return "250 2.0.0 Kept as " + name


def authenticator_for(user, password):
    """An aiosmtpd authenticator accepting one user and password (PLAIN and LOGIN)."""

    def authenticate(server, session, envelope, mechanism, auth_data):
        good = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        # handled=False: aiosmtpd answers 535 itself on failure.
        return AuthResult(success=good, handled=False, auth_data=user if good else None)

    return authenticate


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.check_hostname = False
    context.load_cert_chain(cert, key)
    return context


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="folder the kept messages go to")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--smtps", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    parser.add_argument("--rules", metavar="FILE")
    args = parser.parse_args()

    handler = Keeper(args.dir, args.rules)
    options = {"hostname": "keeper.example.org", "enable_SMTPUTF8": True}
    if args.starttls:
        options["tls_context"] = tls_context(*args.starttls)
        options["require_starttls"] = True
    if args.auth:
        user, password = args.auth.split(":", 1)
        options["authenticator"] = authenticator_for(user, password)
        options["auth_required"] = True
        # Tests run AUTH over plain loopback too: no TLS needed, and no warning about it.
        options["auth_require_tls"] = False
        warnings.simplefilter("ignore", UserWarning)
    smtps = tls_context(*args.smtps) if args.smtps else None

    logging.basicConfig(level=logging.ERROR)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: SMTP(handler, loop=loop, **options),
            host=args.host,
            port=args.port,
            ssl=smtps,
        )
    )
    print(f"keeper listening on {args.host}:{args.port}", file=sys.stderr, flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()

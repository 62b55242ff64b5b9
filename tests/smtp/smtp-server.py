#!/usr/bin/python3
"""One aiosmtpd SMTP server on 127.0.0.1 for Loopscope's SMTP client tests.

Run by smtp-fixture.sh (one process per server, configured by flags; see --help). Needs
/usr/bin/python3 with Debian's python3-aiosmtpd. Each accepted message is saved as
MAILDIR/<n>.eml (the DATA bytes after un-dot-stuffing, i.e. envelope.original_content) and
MAILDIR/<n>.json ({"mail_from", "rcpt_tos", "auth_login", "auth_mechanism", "tls", "esmtp"}); both are in place
before the client sees "250 OK". Each command refused on purpose, or left unanswered, adds a line to
MAILDIR/refusals.log ("RCPT TO:<ADDR> 451", "RCPT TO:<ADDR> no answer", "DATA 554") before the client
could see the outcome, so that a test can count the attempts. Stops cleanly on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

GREETING_NAME = "loopscope-test-smtp"
NO_EHLO_REPLY = "502 5.5.2 Error: command not recognized"
BAD_AUTH_REPLY = "535 5.7.8 Authentication credentials invalid"  # also aiosmtpd's own text
DEFERRED_RCPT_REPLY = "451 4.3.0 <{}>: Mailbox busy, try again later"
REFUSED_DATA_REPLY = "554 5.6.0 Message content rejected"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free one)")
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--pid-file", help="write this process's pid here once listening")
    p.add_argument("--maildir", help="save accepted messages here as <n>.eml + <n>.json")
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"), help="offer STARTTLS with this certificate")
    p.add_argument("--require-starttls", action="store_true",
                   help="answer 530 to everything but EHLO/NOOP/STARTTLS/QUIT before STARTTLS")
    p.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"),
                   help="TLS from the first byte (like port 465)")
    p.add_argument("--auth", metavar="USER:PASS", help="enable AUTH PLAIN and LOGIN with this one credential")
    p.add_argument("--auth-only", choices=["PLAIN", "LOGIN"], help="offer just this AUTH mechanism")
    p.add_argument("--auth-require-tls", dest="auth_require_tls", action="store_true", default=None,
                   help="advertise/accept AUTH only after STARTTLS (default: on with --starttls)")
    p.add_argument("--no-auth-require-tls", dest="auth_require_tls", action="store_false",
                   help="advertise/accept AUTH without TLS")
    p.add_argument("--refuse-rcpt", action="append", default=[], metavar="ADDR",
                   help="answer RCPT TO:<ADDR> with 550 (repeatable)")
    p.add_argument("--defer-rcpt", action="append", default=[], metavar="ADDR",
                   help=f"answer RCPT TO:<ADDR> with '{DEFERRED_RCPT_REPLY.format('ADDR')}' (repeatable)")
    p.add_argument("--hang-rcpt", action="append", default=[], metavar="ADDR",
                   help="never answer RCPT TO:<ADDR> (repeatable)")
    p.add_argument("--refuse-data-for", action="append", default=[], metavar="ADDR",
                   help=f"answer the end of DATA with '{REFUSED_DATA_REPLY}' when ADDR is a recipient (repeatable)")
    p.add_argument("--drop-during-data", action="store_true",
                   help="after 354, close the connection without a reply when the first content line arrives")
    p.add_argument("--no-ehlo", action="store_true", help=f"answer EHLO with '{NO_EHLO_REPLY}'")
    a = p.parse_args()
    if a.starttls and a.implicit_tls:
        p.error("--starttls and --implicit-tls exclude each other")
    if a.require_starttls and not a.starttls:
        p.error("--require-starttls needs --starttls")
    if a.auth is not None and ":" not in a.auth:
        p.error("--auth wants USER:PASS")
    if a.auth_require_tls is None:
        a.auth_require_tls = bool(a.starttls)
    return a


def server_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)  # server side; no client certificates
    ctx.load_cert_chain(cert, key)
    return ctx


class Handler:
    def __init__(self, maildir, refused, deferred=(), hung=(), refused_data=()):
        self.maildir = maildir
        self.refused = {a.lower() for a in refused}
        self.deferred = {a.lower() for a in deferred}
        self.hung = {a.lower() for a in hung}
        self.refused_data = {a.lower() for a in refused_data}
        self.next_n = 1
        if maildir:
            os.makedirs(maildir, exist_ok=True)
            taken = [int(f[:-5]) for f in os.listdir(maildir) if f.endswith(".json") and f[:-5].isdigit()]
            self.next_n = max(taken, default=0) + 1

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # The 5-argument hook replaces aiosmtpd's bookkeeping of the name, so do it here; and drop
        # the bare "250-AUTH " aiosmtpd would advertise when no mechanism is enabled.
        session.host_name = hostname
        return [r for r in responses if r.rstrip() != "250-AUTH"]

    def note_refusal(self, line):
        if self.maildir:
            with open(os.path.join(self.maildir, "refusals.log"), "a") as f:
                f.write(line + "\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            self.note_refusal(f"RCPT TO:<{address}> 550")
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        if address.lower() in self.deferred:
            self.note_refusal(f"RCPT TO:<{address}> 451")
            return DEFERRED_RCPT_REPLY.format(address)
        if address.lower() in self.hung:
            self.note_refusal(f"RCPT TO:<{address}> no answer")
            # The client's timeout closes the connection; connection_lost() cancels this.
            await asyncio.sleep(3600)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(a.lower() in self.refused_data for a in envelope.rcpt_tos):
            self.note_refusal("DATA 554")
            return REFUSED_DATA_REPLY
        if self.maildir:
            n = self.next_n
            self.next_n += 1
            meta = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "auth_login": session.auth_data if session.authenticated else None,
                "auth_mechanism": getattr(session, "auth_mechanism", None),
                "tls": server.transport.get_extra_info("ssl_object") is not None,
                "esmtp": bool(session.extended_smtp),
            }
            # .eml first, .json last, each complete before it appears under its name.
            write_atomically(os.path.join(self.maildir, f"{n}.eml"), envelope.original_content)
            write_atomically(os.path.join(self.maildir, f"{n}.json"),
                             (json.dumps(meta, indent=1) + "\n").encode())
        return "250 OK"


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class TestSMTP(SMTP):
    """aiosmtpd's SMTP with the fixture's misbehaviours switched on by flags."""

    def __init__(self, handler, *, no_ehlo=False, drop_during_data=False, implicit_tls=False, **kwargs):
        super().__init__(handler, **kwargs)
        self._no_ehlo = no_ehlo
        self._drop_during_data = drop_during_data
        self._implicit_tls = implicit_tls

    async def smtp_EHLO(self, hostname):
        if self._no_ehlo:
            await self.push(NO_EHLO_REPLY)
            return
        await super().smtp_EHLO(hostname)

    async def smtp_DATA(self, arg):
        if not self._drop_during_data:
            return await super().smtp_DATA(arg)
        # The same checks as aiosmtpd's DATA, then 354, then cut the connection (no reply) as
        # soon as the first line of content is in.
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        if not self.envelope.rcpt_tos:
            return await self.push("503 Error: need RCPT command")
        if arg:
            return await self.push("501 Syntax: DATA")
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        await self._reader.readuntil(b"\r\n")
        # abort(): no flush, no TLS close_notify; unread input makes the kernel send a RST.
        self.transport.abort()
        # connection_lost() follows and cancels this coroutine; never reach the next command.
        await asyncio.sleep(3600)


class TestController(Controller):
    def __init__(self, handler, smtp_extra, **kwargs):
        super().__init__(handler, **kwargs)
        self.smtp_extra = smtp_extra

    def factory(self):
        return TestSMTP(self.handler, **self.smtp_extra, **self.SMTP_kwargs)

    def _trigger_server(self):
        # Port 0: learn the port the kernel chose before the base class connects to "self.port".
        if self.port == 0:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def main():
    a = parse_args()

    authenticator = None
    if a.auth is not None:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login == user.encode() and auth_data.password == password.encode())
            if ok:
                session.auth_mechanism = mechanism  # recorded with the message
                return AuthResult(success=True, auth_data=user)
            return AuthResult(success=False, handled=False, message=BAD_AUTH_REPLY)

    smtp_kwargs = dict(
        server_hostname=GREETING_NAME,  # else aiosmtpd asks DNS for the FQDN on every connection
        tls_context=server_context(*a.starttls) if a.starttls else None,
        require_starttls=a.require_starttls,
        # With implicit TLS aiosmtpd still thinks "no STARTTLS yet = no TLS", so it would never
        # offer AUTH: the whole connection is encrypted, so TLS is not required on top.
        auth_require_tls=a.auth_require_tls and not a.implicit_tls,
        # Without a credential, AUTH is refused (aiosmtpd's default authenticator-less setup
        # would still advertise PLAIN/LOGIN and then answer 535 to everything).
        auth_exclude_mechanism=(["PLAIN", "LOGIN"] if a.auth is None
                                else [m for m in ("PLAIN", "LOGIN") if a.auth_only not in (None, m)]),
        authenticator=authenticator,
    )
    extra = dict(no_ehlo=a.no_ehlo, drop_during_data=a.drop_during_data, implicit_tls=bool(a.implicit_tls))

    # The controller's thread inherits this mask, so SIGTERM/SIGINT are left for sigwait() below.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)

    controller = TestController(
        Handler(a.maildir, a.refuse_rcpt, a.defer_rcpt, a.hang_rcpt, a.refuse_data_for), extra,
        hostname="127.0.0.1", port=a.port,
        ssl_context=server_context(*a.implicit_tls) if a.implicit_tls else None,
        **smtp_kwargs)
    controller.start()
    port = controller.port
    if a.pid_file:
        write_atomically(a.pid_file, f"{os.getpid()}\n".encode())
    if a.port_file:
        write_atomically(a.port_file, f"{port}\n".encode())
    print(f"smtp-server: listening on 127.0.0.1:{port} (pid {os.getpid()})", flush=True)

    sig = signal.sigwait(stop_signals)
    print(f"smtp-server: {signal.Signals(sig).name}, stopping", flush=True)
    controller.stop()
    for f in (a.port_file, a.pid_file):
        if f:
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""CPU per credential check and signature: PyJWT as the old signer used it, OpenSSL's Ed25519 (through
`cryptography`) as the signer used it before libsodium, and adapters/signer.py.

Run: .venv/bin/python benchmarks/credential_cost.py (process CPU time, best of 7 rounds).
"""

from __future__ import annotations

import hashlib
import time
import timeit
from collections.abc import Callable

import jwt

from vaxbook.adapters.signer import JwtSigner, derived_identity_key
from vaxbook.domain.credentials import Identity, Ticket
from vaxbook.keys import KeyRing

SECRET = b"signing-secret-0123456789"
NOW = time.time()


def main() -> None:
    signer = JwtSigner(KeyRing.single("k1", SECRET), time.time)
    identity = Identity("a" * 43, "d" * 22, "1990-05-13", "홍*동", NOW, NOW + 600)
    ticket = Ticket("a" * 43, "d" * 22, "2021-08-09-g3", 12345, "1990-05-13", "홍*동", NOW, NOW + 600)
    identity_token, ticket_token = signer.sign(identity), signer.sign(ticket)
    hmac_key = hashlib.sha256(b"vaxbook-hmac:" + SECRET).digest()
    private = derived_identity_key(SECRET)
    public = private.public_key()
    header, payload, _ = identity_token.split(".")
    message = f"{header}.{payload}".encode()
    signature = private.sign(message)
    options = {"require": ["exp", "aud"], "verify_exp": False}
    cases: dict[str, Callable[[], object]] = {
        "PyJWT HS256 check (old)": lambda: (jwt.get_unverified_header(ticket_token), jwt.decode(
            ticket_token, hmac_key, algorithms=["HS256"], audience="ticket", options=options)),
        "PyJWT EdDSA check (old)": lambda: (jwt.get_unverified_header(identity_token), jwt.decode(
            identity_token, public, algorithms=["EdDSA"], audience="identity", options=options)),
        "OpenSSL Ed25519 check (old)": lambda: public.verify(signature, message),
        "OpenSSL Ed25519 sign (old)": lambda: private.sign(message),
        "ticket check, first time": lambda: signer._check("ticket", ticket_token),
        "identity check, first time": lambda: signer._check("identity", identity_token),
        "ticket read (cached)": lambda: signer.read(Ticket, ticket_token, device="d" * 22),
        "identity read (cached)": lambda: signer.read(Identity, identity_token, device="d" * 22),
        "ticket sign": lambda: signer.sign(ticket),
        "identity sign": lambda: signer.sign(identity),
    }
    for name, case in cases.items():
        best = min(timeit.repeat(case, number=2000, repeat=7, timer=time.process_time)) / 2000
        print(f"{name:28s} {best * 1e6:7.1f} us CPU")


if __name__ == "__main__":
    main()

"""The service's secrets, each with a key id: the pepper, the signing keys and the CSRF keys.

- The pepper keys the hash that turns a resident number into a person key. It never
  rotates (a person key *is* the person: a new pepper would let everyone book again), it
  lives outside the data directory, so a copy of the database is not enough to test
  guesses against it, and the ledger records its fingerprint and refuses any other.
- Contact keys seal the phone and e-mail kept for notifications (AES-GCM): a key ring too,
  so they rotate the same way; the database holds only sealed contacts.
- Signing keys (credentials) and CSRF keys (page forms) are key rings: the first key signs,
  every listed key is accepted, so a new key goes in front and the old one leaves once the
  longest-lived thing it signed has expired (docs/operations.md, "Rotating secrets").

The identity-token key pair may be given instead of derived from the signing keys, so
verification can run on machines of its own: PEM files named `kid:path`, the private key
only on verification nodes, the public key(s) on booking nodes (docs/operations.md).

A secret comes from its VAXBOOK_* variable (`kid:secret[,kid:secret...]`) or else from its
file (one `kid:secret` per line), which is made, mode 0600, on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path


class SecretsError(ValueError):
    """A secret is missing, malformed or exposed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Key:
    id: str
    secret: bytes

    def __repr__(self) -> str:  # never print a secret in a traceback
        return f"Key(id={self.id!r})"


@dataclass(frozen=True)
class KeyRing:
    """Keys in order: the first signs; any of them is accepted when reading."""

    keys: tuple[Key, ...]

    @property
    def current(self) -> Key:
        return self.keys[0]

    def find(self, key_id: str) -> Key | None:
        return next((key for key in self.keys if key.id == key_id), None)

    @classmethod
    def single(cls, key_id: str, secret: bytes) -> KeyRing:
        return cls((Key(key_id, secret),))


@dataclass(frozen=True)
class IdentityKeys:
    """Ed25519 identity-token keys as PEM text, each with its key id."""

    private: tuple[str, bytes] | None  # only on a node that verifies identities
    public: tuple[tuple[str, bytes], ...]

    def __repr__(self) -> str:  # never print a private key in a traceback
        kid = self.private[0] if self.private else None
        return f"IdentityKeys(private={kid!r}, public={[k for k, _ in self.public]!r})"


@dataclass(frozen=True)
class Keys:
    pepper: Key
    signing: KeyRing
    csrf: KeyRing
    identity: IdentityKeys | None = None  # None: identity keys derived from the signing keys
    contact: KeyRing | None = None  # seals phone and e-mail at rest (AES-GCM); None: not kept


def pepper_fingerprint(pepper: Key) -> str:
    """What the ledger records of the pepper: enough to recognise it, useless to an attacker."""
    return hmac.new(pepper.secret, b"vaxbook-pepper-fingerprint", hashlib.sha256).hexdigest()[:32]


def private_label(pepper: Key, kind: str, value: str) -> str:
    """A phone, an address or another value the gate counts by, never stored in plain text.

    Keyed with the pepper, so a copy of Redis cannot be reversed by hashing every phone
    number (there are only about 10^8 of them).
    """
    message = f"vaxbook-label:{kind}:{value}".encode()
    return hmac.new(pepper.secret, message, hashlib.sha256).hexdigest()[:32]


def parse_ring(text: str, source: str) -> KeyRing:
    """`kid:secret` entries, separated by commas or new lines; the first one signs."""
    keys: list[Key] = []
    for entry in text.replace(",", "\n").splitlines():
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        key_id, colon, secret = entry.partition(":")
        if not colon or not key_id or len(secret) < 16:
            raise SecretsError(f"{source}: each key is 'id:secret' with a secret of 16 characters or more")
        keys.append(Key(key_id, secret.encode()))
    if not keys:
        raise SecretsError(f"{source}: no key")
    if len({key.id for key in keys}) != len(keys):
        raise SecretsError(f"{source}: two keys share one id")
    return KeyRing(tuple(keys))


def load_ring(value: str | None, path: Path, name: str) -> KeyRing:
    """The ring from its setting, else from its file, made with one new key if absent."""
    if value:
        return parse_ring(value, f"VAXBOOK_{name.upper()}")
    path = path.expanduser()
    if not path.exists():
        _create_secret_file(path, f"{secrets.token_hex(4)}:{secrets.token_hex(32)}\n")
    _refuse_exposed(path)
    return parse_ring(path.read_text(encoding="utf-8"), str(path))


def load_pepper(value: str | None, path: Path) -> Key:
    ring = load_ring(value, path, "pepper")
    if len(ring.keys) != 1:
        raise SecretsError("the pepper is one key: it never rotates (docs/operations.md)")
    return ring.current


def load_identity_keys(private_file: str | None, public_files: str | None) -> IdentityKeys | None:
    """The identity key pair from `kid:path` PEM files; None when neither setting is given."""
    if not private_file and not public_files:
        return None
    private = None
    if private_file:
        (kid, path), *more = _named_paths(private_file, "VAXBOOK_IDENTITY_PRIVATE_KEY_FILE")
        if more:
            raise SecretsError("VAXBOOK_IDENTITY_PRIVATE_KEY_FILE: one private key signs identity tokens")
        _refuse_exposed(path)
        private = (kid, path.read_bytes())
    public = tuple((kid, path.read_bytes())
                   for kid, path in _named_paths(public_files or "", "VAXBOOK_IDENTITY_PUBLIC_KEY_FILES"))
    return IdentityKeys(private, public)


def _named_paths(text: str, source: str) -> list[tuple[str, Path]]:
    named: list[tuple[str, Path]] = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        key_id, colon, path = entry.partition(":")
        if not colon or not key_id or not path:
            raise SecretsError(f"{source}: each key is 'id:path' to a PEM file")
        found = Path(path).expanduser()
        if not found.is_file():
            raise SecretsError(f"{source}: {found} is not a file")
        named.append((key_id, found))
    return named


def _create_secret_file(path: Path, content: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        # O_EXCL: two workers starting at once must not each write a different secret.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(content)


def _refuse_exposed(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretsError(f"{path} is readable by others (mode {stat.filemode(mode)}): run chmod 600 {path}")

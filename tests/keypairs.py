"""Ed25519 identity key pairs written as PEM files, as an operator would give them."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat


def write_key_pair(directory: Path, name: str) -> tuple[Path, Path]:
    """A new key pair as (private PEM file, mode 0600; public PEM file)."""
    private = Ed25519PrivateKey.generate()
    private_file, public_file = directory / f"{name}.key", directory / f"{name}.pub"
    descriptor = os.open(private_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    public = private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    public_file.write_bytes(public)
    return private_file, public_file

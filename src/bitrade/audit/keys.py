"""The Ed25519 keys that sign audit checkpoints. They live outside the database.

The current signing key comes from BITRADE_AUDIT_SIGNING_KEY (PEM text or base64 of the 32-byte seed) or
the file named by BITRADE_AUDIT_SIGNING_KEY_FILE (PEM or base64). Outside production, when neither is set,
a key is generated once into var/audit-signing-key.pem. A key is known by its id: the first 16 hex digits
of the SHA-256 of its raw public key. Rotation: configure a new signing key and add the old key's public
line (`bitrade audit keygen` prints one) to BITRADE_AUDIT_TRUSTED_KEYS_FILE, so old checkpoints still verify.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw_public(public)).hexdigest()[:16]


def public_line(public: Ed25519PublicKey) -> str:
    return f"{key_id(public)} {base64.b64encode(_raw_public(public)).decode()}"


def parse_private(text: str | bytes) -> Ed25519PrivateKey:
    data = text.encode() if isinstance(text, str) else text
    if b"-----BEGIN" in data:
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("The audit signing key must be an Ed25519 key.")
        return key
    seed = base64.b64decode(data.strip())
    if len(seed) != 32:
        raise ImproperlyConfigured("The audit signing key must be 32 bytes (base64) or PEM.")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _config() -> tuple[str, str]:
    return (os.environ.get("BITRADE_AUDIT_SIGNING_KEY", ""),
            os.environ.get("BITRADE_AUDIT_SIGNING_KEY_FILE", "") or settings.BITRADE_AUDIT_SIGNING_KEY_FILE)


def signing_key() -> Ed25519PrivateKey:
    return _signing_key(*_config(), str(settings.VAR_DIR), settings.PRODUCTION)


@lru_cache(maxsize=8)
def _signing_key(inline: str, path: str, var_dir: str, production: bool) -> Ed25519PrivateKey:
    if inline:
        return parse_private(inline)
    if path:
        return parse_private(Path(path).read_bytes())
    if production:
        raise ImproperlyConfigured("Set BITRADE_AUDIT_SIGNING_KEY or BITRADE_AUDIT_SIGNING_KEY_FILE in production.")
    generated = Path(var_dir) / "audit-signing-key.pem"
    if not generated.exists():
        generated.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(generated, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(private_pem(Ed25519PrivateKey.generate()))
    return parse_private(generated.read_bytes())


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    keys = {}
    path = os.environ.get("BITRADE_AUDIT_TRUSTED_KEYS_FILE", "") or settings.BITRADE_AUDIT_TRUSTED_KEYS_FILE
    if path and Path(path).exists():
        for line in Path(path).read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2 and not line.startswith("#"):
                public = Ed25519PublicKey.from_public_bytes(base64.b64decode(parts[1]))
                keys[key_id(public)] = public
    current = signing_key().public_key()
    keys[key_id(current)] = current
    return keys


def sign(body: str) -> tuple[str, str]:
    """(key id, base64 signature) of the checkpoint body with the current key."""
    key = signing_key()
    return key_id(key.public_key()), base64.b64encode(key.sign(body.encode("utf-8"))).decode()


def check_signature(keys: dict[str, Ed25519PublicKey], key: str, body: str, signature: str) -> str:
    """"" when valid, else a Swedish reason."""
    public = keys.get(key)
    if public is None:
        return f"signerad med en okänd nyckel ({key})"
    try:
        public.verify(base64.b64decode(signature), body.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return "signaturen är ogiltig"
    return ""

"""Where the platform key lives and how a development installation gets one."""
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import current_app

from app import pki
from app.seal import KeyMissing
from app.seal import key_path

__all__ = ["KeyMissing", "ensure_development_key"]


def _existing(path: Path, password: str) -> pki.KeyFiles:
    try:
        _key, cert, extra = pkcs12.load_key_and_certificates(path.read_bytes(), password.encode() or None)
    except (OSError, ValueError) as exc:
        raise KeyMissing(f"{path} exists but cannot be opened with SIGNING_PKCS12_PASSWORD; "
                         "use --force to replace it.") from exc
    ca: x509.Certificate | None = extra[0] if extra else None
    ca_path = path.with_name(path.stem + "-ca.pem")
    return pki.KeyFiles(path, ca_path if ca_path.exists() else None, pki.fingerprint(cert),
                        pki.fingerprint(ca) if ca else "")


def ensure_development_key(force: bool = False) -> tuple[bool, pki.KeyFiles]:
    """(created?, files): the configured key, created when missing (or when force)."""
    config = current_app.config
    path = key_path(config)
    password = config.get("SIGNING_PKCS12_PASSWORD") or ""
    if not password:
        raise KeyMissing("Set SIGNING_PKCS12_PASSWORD: the key file is always encrypted.")
    if path.exists() and not force:
        return False, _existing(path, password)
    return True, pki.create_development_key(path, password, config.get("ORGANIZATION_NAME", "Palisade"))

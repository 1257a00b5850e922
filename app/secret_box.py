"""Secrets kept encrypted at rest (a TOTP seed, a webhook's signing secret): Fernet under a key derived from
SECRET_KEY by HKDF, one derivation per purpose (`salt`, `info`), so a value encrypted for one use never
decrypts as another. SECRET_KEY_FALLBACKS still decrypt, so the key can rotate."""
import base64
from dataclasses import dataclass

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


@dataclass(frozen=True)
class SecretBox:
    salt: bytes
    info: bytes

    def _fernet(self, secret_key: str) -> Fernet:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=self.salt, info=self.info).derive(secret_key.encode())
        return Fernet(base64.urlsafe_b64encode(key))

    def _cipher(self) -> MultiFernet:
        keys = [current_app.config["SECRET_KEY"], *(current_app.config.get("SECRET_KEY_FALLBACKS") or [])]
        return MultiFernet([self._fernet(key) for key in keys if key])

    def encrypt(self, secret: str) -> str:
        return self._cipher().encrypt(secret.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        """The secret, or None when there is none or no current key opens it."""
        if not token:
            return None
        try:
            return self._cipher().decrypt(token.encode()).decode()
        except InvalidToken:
            return None

"""The platform's signing key: a development CA and a seal certificate in one PKCS#12 file.

`flask --app wsgi pki init` calls create_development_key(); production brings its own PKCS#12
(SIGNING_PKCS12_PATH, SIGNING_PKCS12_PASSWORD) issued by a real CA.
"""
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

KEY_BITS = 3072
CA_YEARS = 10
SEAL_YEARS = 3


@dataclass
class KeyFiles:
    pkcs12_path: Path
    ca_path: Path
    fingerprint: str  # SHA-256 of the seal certificate (DER), colon-separated hex
    ca_fingerprint: str


def fingerprint(cert: x509.Certificate) -> str:
    return ":".join(f"{b:02X}" for b in hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest())


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:64] or "Palisade")])


def _builder(subject: x509.Name, issuer: x509.Name, public_key, years: int) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=365 * years))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def make_ca(organization: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = _name("Palisade development signing CA", organization)
    cert = (_builder(name, name, key.public_key(), CA_YEARS)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def issue_certificate(ca_key, ca_cert: x509.Certificate, common_name: str, organization: str, *,
                      time_stamping: bool = False) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A leaf certificate under the CA: the platform seal, or (time_stamping) a test TSA."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    builder = (_builder(_name(common_name, organization), ca_cert.subject, key.public_key(), SEAL_YEARS)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                              critical=False)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=not time_stamping,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=False, crl_sign=False,
                                            encipher_only=False, decipher_only=False), critical=True))
    if time_stamping:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return key, builder.sign(ca_key, hashes.SHA256())


def _write_private(path: Path, data: bytes) -> None:
    """Atomic and owner-only: a half-written or world-readable key file never exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".signing-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def create_development_key(pkcs12_path: Path | str, password: str, organization: str) -> KeyFiles:
    """A new development CA and platform seal key; the CA certificate is written beside as PEM."""
    pkcs12_path = Path(pkcs12_path)
    ca_key, ca_cert = make_ca(organization)
    key, cert = issue_certificate(ca_key, ca_cert, "Palisade platform seal", organization)
    data = pkcs12.serialize_key_and_certificates(
        b"palisade-seal", key, cert, [ca_cert], serialization.BestAvailableEncryption(password.encode()))
    ca_path = pkcs12_path.with_name(pkcs12_path.stem + "-ca.pem")
    _write_private(pkcs12_path, data)
    _write_private(ca_path, ca_cert.public_bytes(serialization.Encoding.PEM))
    return KeyFiles(pkcs12_path, ca_path, fingerprint(cert), fingerprint(ca_cert))

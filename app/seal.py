"""Sealing and checking PDFs with the platform key (PAdES, pyHanko).

Below the features: documents seal what they issue, signing seals the executed file and checks uploads.

seal_pdf() is called by every issuing step: it returns sealed bytes or raises SealingFailed, so an
unsealed document is never stored or served as issued. check_seal() answers /verify: is the PDF's
signature intact, covering the whole file, and made by this platform's key?
"""
import hashlib
import io
import logging
import tempfile
import threading
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.serialization import NoEncryption
from cryptography.hazmat.primitives.serialization import PrivateFormat
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import current_app
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from app import pki

log = logging.getLogger(__name__)
SEAL_FIELD = "PalisadeSeal"
# Room for the CMS signature: a 3072-bit RSA signature, the certificate chain and a timestamp token.
RESERVED_BYTES = 24_000


class SealingFailed(Exception):
    """The platform key is missing or unusable, or signing failed: nothing is issued (503)."""

    status = 503


class KeyMissing(SealingFailed):
    pass


class PlatformSigner(signers.SimpleSigner):
    """SimpleSigner that keeps the loaded private key: pyHanko re-parses (and re-validates) an RSA key
    on every signature, about 0.4 s for a 3072-bit key."""

    def __init__(self, *, private_key, **kwargs):
        super().__init__(**kwargs)
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._private_key, RSAPrivateKey):
            return self._private_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


@dataclass
class PlatformKey:
    signer: signers.SimpleSigner
    fingerprint: str
    trust_roots: list = field(default_factory=list)


@dataclass
class SealBox:
    """A visible seal: page index, (x1, y1, x2, y2) in PDF points from the bottom left, and the
    appearance: a one-page PDF of the box's size (fonts embedded, so PDF/A stays whole)."""

    page: int
    box: tuple[int, int, int, int]
    appearance: bytes = b""


_cache: dict = {}
_lock = threading.Lock()


def key_path(config) -> Path:
    configured = config.get("SIGNING_PKCS12_PATH") or ""
    if configured:
        return Path(configured)
    return Path(current_app.instance_path) / "signing.p12"


def load_key_file(path: Path, password: str) -> PlatformKey:
    """Read the PKCS#12 file (raises KeyMissing with a clear message)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyMissing(f"The platform signing key {path} cannot be read ({exc.strerror or exc}). "
                         "Run `flask --app wsgi pki init` (development) or set SIGNING_PKCS12_PATH.") from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except (ValueError, TypeError) as exc:
        raise KeyMissing(f"The platform signing key {path} cannot be opened: wrong SIGNING_PKCS12_PASSWORD "
                         "or not a PKCS#12 file.") from exc
    if key is None or cert is None:
        raise KeyMissing(f"The platform signing key {path} holds no private key and certificate.")
    registry = SimpleCertificateStore()
    registry.register_multiple([asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in extra])
    signer = PlatformSigner(private_key=key, signing_cert=asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)),
                            signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
                                Encoding.DER, PrivateFormat.PKCS8, NoEncryption())),
                            cert_registry=registry)
    roots = [c for c in extra if c.issuer == c.subject] or list(extra) or [cert]
    return PlatformKey(signer=signer, fingerprint=pki.fingerprint(cert),
                       trust_roots=[asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in roots])


def platform_key() -> PlatformKey:
    """The configured key, loaded once per file version (the test configuration creates its own)."""
    config = current_app.config
    path = key_path(config)
    password = config.get("SIGNING_PKCS12_PASSWORD") or ""
    with _lock:
        if not path.exists() and config.get("SIGNING_CREATE_TEST_KEY"):
            pki.create_development_key(path, password, "Palisade test")
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            stamp = None
        cache_key = (str(path), stamp, hashlib.sha256(password.encode()).hexdigest())
        if cache_key not in _cache:
            _cache.clear()
            _cache[cache_key] = load_key_file(path, password)
        return _cache[cache_key]


def _timestamper():
    url = current_app.config.get("SIGNING_TSA_URL") or ""
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=10)


def seal_pdf(content: bytes, *, reason: str, visible: SealBox | None = None, timestamper=None) -> bytes:
    """`content` with a PAdES signature of the platform over the whole file. Raises SealingFailed."""
    key = platform_key()
    organization = current_app.config.get("ORGANIZATION_NAME", "Palisade")
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD, md_algorithm="sha256", reason=reason, location=organization,
        subfilter=fields.SigSeedSubFilter.PADES, certify=False)
    spec = fields.SigFieldSpec(SEAL_FIELD, on_page=visible.page if visible else 0,
                               box=visible.box if visible else None)
    try:
        with tempfile.NamedTemporaryFile(suffix=".pdf") as appearance:
            style = None
            if visible is not None and visible.appearance:
                appearance.write(visible.appearance)
                appearance.flush()
                style = StaticStampStyle.from_pdf_file(
                    appearance.name, border_width=0, background_opacity=1.0,
                    background_layout=layout.SimpleBoxLayoutRule(
                        x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MAX,
                        margins=layout.Margins.uniform(0)))
            writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
            pdf_signer = signers.PdfSigner(meta, key.signer, timestamper=timestamper or _timestamper(),
                                           stamp_style=style, new_field_spec=spec)
            return pdf_signer.sign_pdf(writer, bytes_reserved=RESERVED_BYTES).getvalue()
    except (SigningError, OSError, ValueError, KeyError) as exc:
        log.warning("Sealing failed: %r", exc)
        raise SealingFailed("The document could not be sealed with the platform key, so it was not "
                            "issued. Nothing was changed; try again or ask an administrator.") from exc


@dataclass
class SealCheck:
    """What /verify says about the signatures in a PDF."""

    signed: bool = False
    intact: bool = False
    whole_file: bool = False
    by_platform: bool = False
    trusted: bool = False
    signed_at: object = None
    signer: str = ""
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.whole_file and self.by_platform and self.trusted


def validation_context(key: PlatformKey | None = None) -> ValidationContext:
    key = key or platform_key()
    return ValidationContext(trust_roots=key.trust_roots, allow_fetching=False, revocation_mode="soft-fail")


def check_seal(content: bytes) -> SealCheck:
    """Validate the last signature of `content` against this platform's key (never raises on bad input)."""
    result = SealCheck()
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        embedded = reader.embedded_signatures
    except Exception as exc:  # any parse error of an uploaded file is an answer, not a 500
        result.problem = f"The file could not be read as a PDF ({type(exc).__name__})."
        return result
    if not embedded:
        result.problem = "The file carries no digital signature."
        return result
    key = platform_key()
    signature = embedded[-1]
    result.signed = True
    try:
        status = validate_pdf_signature(signature, validation_context(key))
    except Exception as exc:
        result.problem = f"The signature could not be checked ({type(exc).__name__})."
        return result
    result.intact = bool(status.intact and status.valid)
    result.trusted = bool(status.trusted)
    result.whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    cert = status.signing_cert
    if cert is not None:
        result.signer = cert.subject.human_friendly
        digest = hashlib.sha256(cert.dump()).digest()
        result.by_platform = ":".join(f"{b:02X}" for b in digest) == key.fingerprint
    result.signed_at = status.signer_reported_dt or (status.timestamp_validity.timestamp
                                                     if status.timestamp_validity else None)
    if not result.intact:
        result.problem = "The signature does not match the file: it was changed after sealing."
    elif not result.whole_file:
        result.problem = "Content was added after the seal: the seal does not cover the whole file."
    elif not result.by_platform:
        result.problem = "The file is signed, but not with this Palisade's platform key."
    return result

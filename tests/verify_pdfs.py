"""PDFs built to stress /verify: a signature whose CMS carries a ring of CA certificates that share
one name, each signed by the next one's key (path building tries every order of them: eight took
29 s, nine about ten minutes, before checks were bounded), and a blank unsigned page."""
import datetime as dt
import io

from asn1crypto import keys as ak
from asn1crypto import x509 as ax
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

N = generic.NameObject
RING_NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ring CA")])


def blank_pdf() -> bytes:
    """One empty page, no signature."""
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        N("/Type"): N("/Page"), N("/Resources"): generic.DictionaryObject(),
        N("/MediaBox"): generic.ArrayObject([generic.NumberObject(x) for x in (0, 0, 200, 200)])}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _certificate(subject, public_key, issuer_key, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(RING_NAME).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key, hashes.SHA256()))


def _der(certificate: x509.Certificate) -> ax.Certificate:
    return ax.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def ring_pdf(n: int) -> bytes:
    """A blank page signed by a leaf whose signature carries `n` CA certificates in a ring."""
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(n)]
    ring = [_certificate(RING_NAME, keys[i].public_key(), keys[(i + 1) % n], True) for i in range(n)]
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Not Palisade")]),
                        leaf_key.public_key(), keys[0], False)
    registry = SimpleCertificateStore()
    registry.register_multiple([_der(c) for c in ring])
    private = leaf_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
    signer = signers.SimpleSigner(signing_cert=_der(leaf), signing_key=ak.PrivateKeyInfo.load(private),
                                  cert_registry=registry)
    meta = signers.PdfSignatureMetadata(field_name="Sig", md_algorithm="sha256")
    writer = IncrementalPdfFileWriter(io.BytesIO(blank_pdf()))
    return signers.PdfSigner(meta, signer).sign_pdf(writer).getvalue()

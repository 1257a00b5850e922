"""What an uploaded file really is: its type from the bytes, checked against the allow-list and its name.

`identify(data, filename) -> FileKind` or raises Refused with a message a user can act on. The
name only has to agree with the content; the content decides. HTML, SVG, scripts and executables
are refused whatever they are called. OOXML files (DOCX, XLSX, PPTX) are zip archives: their
declared uncompressed size and entry count are checked before anything is read from them.
"""
import io
import re
import zipfile
from dataclasses import dataclass

import filetype


class Refused(ValueError):
    """The file is not accepted; str(exc) tells the user why."""


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str
    content_type: str
    extensions: tuple[str, ...]


KINDS = {k.key: k for k in (
    FileKind("pdf", "PDF", "application/pdf", (".pdf",)),
    FileKind("png", "PNG image", "image/png", (".png",)),
    FileKind("jpeg", "JPEG image", "image/jpeg", (".jpg", ".jpeg")),
    FileKind("docx", "Word document (DOCX)",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    FileKind("xlsx", "Excel workbook (XLSX)",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    FileKind("pptx", "PowerPoint presentation (PPTX)",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)),
    FileKind("txt", "text file", "text/plain; charset=utf-8", (".txt",)),
    FileKind("csv", "CSV file", "text/csv; charset=utf-8", (".csv",)),
)}
ALLOWED_EXTENSIONS = tuple(ext for kind in KINDS.values() for ext in kind.extensions)
ALLOWED_LABEL = "PDF, PNG, JPEG, DOCX, XLSX, PPTX, TXT or CSV"
ACCEPT_ATTRIBUTE = ",".join(ALLOWED_EXTENSIONS)

# The main part of each OOXML kind, as [Content_Types].xml declares it, and where it lives.
OOXML_MAIN = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "word/"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xl/"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "ppt/"),
}
CONTENT_TYPES_MAX = 1024 * 1024

# Markup a browser could render as a page or an image with script, wherever it hides in the head.
MARKUP = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|script|svg|iframe|object|embed|meta|"
                    rb"\?xml|xml|a\s+href|img\s|style|link\s|form|base\s)", re.IGNORECASE)
SCRIPT_HINTS = (b"#!", b"<?php", b"<%", b"@echo off")
# Executables and scripts filetype recognises but that are named for clarity in the message.
NAMED_DANGERS = {"exe": "a Windows program", "elf": "a Linux program", "mach": "a macOS program",
                 "swf": "a Flash file", "crx": "a browser extension", "dex": "an Android program",
                 "wasm": "a WebAssembly program", "class": "a Java class file"}
MACHO_MAGIC = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
               b"\xca\xfe\xba\xbe")


def extension(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot > 0 else ""


def identify(data: bytes, filename: str, *, zip_max_bytes: int, zip_max_entries: int) -> FileKind:
    name_ext = extension(filename)
    if name_ext not in ALLOWED_EXTENSIONS:
        raise Refused(f"“{filename}”: only {ALLOWED_LABEL} files are accepted.")
    if not data:
        raise Refused(f"“{filename}” is empty.")
    kind = _content_kind(data, filename, zip_max_bytes=zip_max_bytes, zip_max_entries=zip_max_entries)
    if name_ext not in kind.extensions:
        raise Refused(f"“{filename}” is named {name_ext} but its content is a {kind.label}: the name and the "
                      f"content must agree (rename it to {kind.extensions[0]} if that is what it is).")
    return kind


def _content_kind(data: bytes, filename: str, *, zip_max_bytes: int, zip_max_entries: int) -> FileKind:
    head = data[:8192]
    _refuse_dangerous(head, filename)
    guess = filetype.guess(head)
    ext = guess.extension if guess else None
    if ext in ("pdf", "png", "jpg"):
        key = "jpeg" if ext == "jpg" else ext
        _refuse_polyglot(data, filename, KINDS[key])
        return KINDS[key]
    if ext in ("zip", "docx", "xlsx", "pptx") or head.startswith(b"PK\x03\x04"):
        return KINDS[_ooxml_kind(data, filename, zip_max_bytes=zip_max_bytes, zip_max_entries=zip_max_entries)]
    if guess is not None:
        raise Refused(f"“{filename}” is a {guess.extension.upper()} file ({guess.mime}); "
                      f"only {ALLOWED_LABEL} files are accepted.")
    return KINDS[_text_kind(data, filename)]


def _refuse_dangerous(head: bytes, filename: str) -> None:
    guess = filetype.guess(head)
    if guess is not None and guess.extension in NAMED_DANGERS:
        raise Refused(f"“{filename}” is {NAMED_DANGERS[guess.extension]}; programs are never accepted.")
    if (head.startswith(b"MZ") and b"\x00" in head[:64]) or head.startswith(b"\x7fELF") or head[:4] in MACHO_MAGIC:
        raise Refused(f"“{filename}” is a program; programs are never accepted.")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n\x0c")
    if stripped[:2] == b"#!" or stripped[:5].lower() == b"<?php":
        raise Refused(f"“{filename}” is a script; scripts are never accepted.")
    if stripped[:1] == b"<" and MARKUP.match(stripped):
        raise Refused(f"“{filename}” is HTML, SVG or XML markup; web pages and SVG images are never "
                      "accepted, whatever their name.")


def _refuse_polyglot(data: bytes, filename: str, kind: FileKind) -> None:
    """A PDF or image that is also a web page or an archive: refused, a browser or unzip would see the other."""
    head = data[:4096]
    if MARKUP.search(head) and re.search(rb"<\s*(?:script|html|svg|body|iframe)", head, re.IGNORECASE):
        raise Refused(f"“{filename}” is a {kind.label} that also holds HTML or script; it is refused.")
    if b"PK\x05\x06" in data[-70000:] or b"PK\x03\x04" in data[:1024]:
        try:
            is_zip = zipfile.is_zipfile(io.BytesIO(data))
        except (OSError, ValueError):
            is_zip = False
        if is_zip:
            raise Refused(f"“{filename}” is a {kind.label} that is also a zip archive; it is refused.")


def _ooxml_kind(data: bytes, filename: str, *, zip_max_bytes: int, zip_max_entries: int) -> str:
    not_office = Refused(f"“{filename}” is a zip archive but not a Word, Excel or PowerPoint document; "
                         "archives are not accepted.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise not_office from None
    if len(entries) > zip_max_entries:
        raise Refused(f"“{filename}” holds {len(entries)} parts; at most {zip_max_entries} are accepted.")
    declared = sum(entry.file_size for entry in entries)
    if declared > zip_max_bytes:
        raise Refused(f"“{filename}” would unpack to {declared // (1024 * 1024)} MB; at most "
                      f"{zip_max_bytes // (1024 * 1024)} MB are accepted (this protects against zip bombs).")
    names = {entry.filename for entry in entries}
    if any(name.startswith("/") or ".." in name.split("/") or "\\" in name for name in names):
        raise not_office
    content_types = archive.NameToInfo.get("[Content_Types].xml")
    if content_types is None or content_types.file_size > CONTENT_TYPES_MAX:
        raise not_office
    try:
        declared_types = archive.read(content_types)[:CONTENT_TYPES_MAX]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise not_office from None
    if any(name.lower().endswith("vbaproject.bin") for name in names) or b"macroEnabled" in declared_types:
        raise Refused(f"“{filename}” contains macros; documents with macros are not accepted.")
    for key, (main_type, folder) in OOXML_MAIN.items():
        if main_type.encode() in declared_types and any(name.startswith(folder) for name in names):
            return key
    raise not_office


def _text_kind(data: bytes, filename: str) -> str:
    if b"\x00" in data:
        raise Refused(f"“{filename}” is not a text file (it holds binary data); only {ALLOWED_LABEL} "
                      "files are accepted.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(f"“{filename}” is not UTF-8 text; save it as UTF-8 and try again.") from None
    head = text[:4096].lstrip("\ufeff \t\r\n\x0c").encode()
    if MARKUP.search(head[:4096]) and re.search(rb"<\s*(?:script|html|svg|body|iframe|!doctype)", head,
                                                 re.IGNORECASE):
        raise Refused(f"“{filename}” looks like HTML or SVG markup; web pages are never accepted.")
    if any(head.lower().startswith(hint.lower()) for hint in SCRIPT_HINTS):
        raise Refused(f"“{filename}” looks like a script; scripts are never accepted.")
    return "csv" if extension(filename) == ".csv" else "txt"

"""Real small files of every accepted type, and the hostile ones, built in memory for the attachment tests."""
import io
import zipfile

from PIL import Image

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

OOXML = {
    "docx": ("word/document.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}


def image(fmt: str = "PNG", size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def ooxml(kind: str, *, main_type: str | None = None, extra: dict | None = None) -> bytes:
    part, declared = OOXML[kind]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         f'content-types"><Override PartName="/{part}" ContentType="{main_type or declared}"/>'
                         "</Types>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(part, "<document/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def plain_zip(entries: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


GOOD = {
    "report.pdf": (PDF, "application/pdf"),
    "photo.png": (image("PNG"), "image/png"),
    "photo.jpg": (image("JPEG"), "image/jpeg"),
    "minutes.docx": (ooxml("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "budget.xlsx": (ooxml("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "briefing.pptx": (ooxml("pptx"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "notes.txt": (b"Survey done: 14 sites, 3 findings.\n", "text/plain; charset=utf-8"),
    "sites.csv": ("site,pumps\nNorth,4\nSüd,2\n".encode(), "text/csv; charset=utf-8"),
}

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120

REFUSED = {
    # name: (bytes, words the refusal message must contain)
    "html named pdf": ("invoice.pdf", HTML, "HTML"),
    "html named txt": ("readme.txt", b"  \n<html><script>alert(1)</script></html>", "HTML"),
    "html file": ("page.html", HTML, "only PDF, PNG"),
    "svg file": ("logo.svg", SVG, "only PDF, PNG"),
    "svg named png": ("logo.png", SVG, "SVG"),
    "exe named pdf": ("scan.pdf", EXE, "program"),
    "exe file": ("setup.exe", EXE, "only PDF, PNG"),
    "elf named txt": ("notes.txt", ELF, "program"),
    "shell script named txt": ("run.txt", b"#!/bin/sh\nrm -rf /\n", "script"),
    "polyglot pdf with html": ("poly.pdf", b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF",
                               "HTML"),
    "polyglot png with zip": ("poly.png", image("PNG") + plain_zip({"evil.js": "alert(1)"}), "zip archive"),
    "png named pdf": ("scan.pdf", image("PNG"), "named .pdf but its content is a PNG"),
    "pdf named docx": ("minutes.docx", PDF, "named .docx but its content is a PDF"),
    "docx named xlsx": ("budget.xlsx", ooxml("docx"), "named .xlsx but its content is a Word"),
    "plain zip named docx": ("minutes.docx", plain_zip({"a.txt": "x"}), "not a Word, Excel or PowerPoint"),
    "macro docm named docx": ("minutes.docx", ooxml("docx", main_type="application/vnd.ms-word.document."
                                                     "macroEnabled.main+xml", extra={"word/vbaProject.bin": "x"}),
                              "macros"),
    "nul in txt": ("data.txt", b"abc\x00def", "binary"),
    "latin-1 txt": ("data.txt", "café".encode("latin-1"), "UTF-8"),
    "gzip named csv": ("sites.csv", b"\x1f\x8b\x08\x00" + b"\x00" * 40, "only PDF, PNG"),
    "empty pdf": ("empty.pdf", b"", "empty"),
}

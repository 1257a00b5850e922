"""The executed agreement's pages: the issued document's pages, copied unchanged, before the rendered
signature page and certificate, in one tagged PDF.

Two things must not be copied as they stand:
* the issued document's own seal: a signature field whose byte range covers the issued file, not this
  one (readers would report a second, broken signature). Its widget is left out; the issued file rides
  along byte for byte as an associated file instead, where its seal still checks.
* the issued pages' structure (PDF/UA tags): it is grafted into the tail's structure tree, and the
  page and annotation keys of its parent tree are moved past the tail's, so every page stays tagged.
"""
import io

from pypdf import PdfReader
from pypdf import PdfWriter
from pypdf.generic import ArrayObject
from pypdf.generic import DictionaryObject
from pypdf.generic import FloatObject
from pypdf.generic import NameObject
from pypdf.generic import NullObject
from pypdf.generic import NumberObject
from pypdf.generic import TextStringObject


def _is_signature_widget(annotation) -> bool:
    annotation = annotation.get_object()
    field = annotation
    for _ in range(8):  # a widget's field type may sit on its parent field
        if field.get("/FT") == "/Sig":
            return True
        parent = field.get("/Parent")
        if parent is None:
            return False
        field = parent.get_object()
    return False


def _numbers(tree) -> list[tuple[int, object]]:
    """The (key, value) pairs of a number tree (flat /Nums or /Kids)."""
    tree = tree.get_object()
    pairs = []
    nums = tree.get("/Nums")
    if nums is not None:
        pairs += [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2)]
    for kid in tree.get("/Kids", []):
        pairs += _numbers(kid)
    return pairs


def _drop_signature_widgets(reader: PdfReader) -> None:
    """Leave the issued seal's widget off the pages to be copied (the reader's objects, in memory)."""
    for page in reader.pages:
        annotations = page.get("/Annots")
        if annotations is None:
            continue
        kept = [a for a in annotations.get_object() if not _is_signature_widget(a)]
        if kept:
            page[NameObject("/Annots")] = ArrayObject(kept)
        else:
            del page[NameObject("/Annots")]


def prepend_pages(issued_bytes: bytes, tail: bytes) -> bytes:
    """The issued pages before the tail's; the tail's catalog (PDF/A metadata, output intent, associated
    files, structure tree) is kept and the issued pages' structure joins its tree."""
    writer = PdfWriter(clone_from=io.BytesIO(tail))
    catalog = writer.root_object
    if "/AF" in catalog:  # WeasyPrint lists each associated file twice; once is what PDF/A-3 means
        unique = {entry.idnum: entry for entry in catalog["/AF"]}
        catalog[NameObject("/AF")] = ArrayObject(unique.values())
    issued = PdfReader(io.BytesIO(issued_bytes))
    _drop_signature_widgets(issued)
    struct_parents = [page.get("/StructParents") for page in issued.pages]
    added = [writer.insert_page(page, index) for index, page in enumerate(issued.pages)]
    _graft_structure(writer, issued, added, struct_parents)
    _merge_destinations(writer, issued, added)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _graft_structure(writer: PdfWriter, issued: PdfReader, added: list, struct_parents: list) -> None:
    source_root = issued.trailer["/Root"].get("/StructTreeRoot")
    target_root = writer.root_object.get("/StructTreeRoot")
    if source_root is None or target_root is None:
        raise ValueError("Both the issued document and the signature pages must be tagged.")
    source_root, target_root = source_root.get_object(), target_root.get_object()
    target_tree = target_root["/ParentTree"].get_object()
    target_pairs = _numbers(target_tree)
    offset = max((key for key, _ in target_pairs), default=-1) + 1
    offset = max(offset, int(target_root.get("/ParentTreeNextKey", 0)))
    kids = source_root.get("/K")
    kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
    for kid in kids:  # their parent becomes the tail's root: the issued root is not copied
        if isinstance(kid.get_object(), DictionaryObject):
            kid.get_object()[NameObject("/P")] = NullObject()
    # Cloned after the pages were inserted: references to pages and annotations resolve to the copies.
    source_pairs = [(key + offset, value.clone(writer) if hasattr(value, "clone") else value)
                    for key, value in _numbers(source_root["/ParentTree"])]
    for page, original in zip(added, struct_parents, strict=True):
        if original is not None:
            page[NameObject("/StructParents")] = NumberObject(int(original) + offset)
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            if "/StructParent" in annotation:
                annotation[NameObject("/StructParent")] = NumberObject(int(annotation["/StructParent"]) + offset)
    grafted = [kid.clone(writer) for kid in kids]  # indirect elements: their copies are too
    for element in grafted:
        if isinstance(element.get_object(), DictionaryObject):
            element.get_object()[NameObject("/P")] = target_root.indirect_reference
    existing = target_root.get("/K")
    existing = list(existing) if isinstance(existing, list) else [existing] if existing is not None else []
    target_root[NameObject("/K")] = ArrayObject(grafted + existing)
    nums = ArrayObject()
    for key, value in sorted(target_pairs + source_pairs, key=lambda pair: pair[0]):
        nums += [NumberObject(key), value]
    target_tree.clear()
    target_tree[NameObject("/Nums")] = nums
    target_root[NameObject("/ParentTreeNextKey")] = NumberObject(max(
        (key for key, _ in target_pairs + source_pairs), default=-1) + 1)


def _merge_destinations(writer: PdfWriter, issued: PdfReader, added: list) -> None:
    """The issued pages' named destinations (their table of contents and cross references) still resolve."""
    existing = writer.named_destinations
    for name, destination in issued.named_destinations.items():
        if name in existing or destination.page is None:
            continue
        index = issued.get_page_number(destination.page)
        if index is None or not 0 <= index < len(added):
            continue
        target = ArrayObject([added[index].indirect_reference, NameObject(destination.typ)])
        target += [FloatObject(v) if v is not None else NullObject()
                   for v in (destination.left, destination.top, destination.zoom)]
        writer.add_named_destination_array(TextStringObject(name), target)

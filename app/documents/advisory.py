"""The PDFs of a released advisory, one per edition, issued once at the release (sealed, stored, served
unchanged): the restricted edition at the advisory's TLP, and the public edition (its own title and text,
never derived from the restricted one) at TLP:CLEAR. Both carry every co-author's name and approval time."""
from app.documents.content import DocumentInfo
from app.models import TLP
from app.models import Advisory
from app.pdf import Budget

PUBLIC_SUFFIX = "-PUBLIC"


def advisory_document(advisory: Advisory, public: bool) -> tuple[str, dict]:
    budget = Budget("This advisory")
    texts = ((("The title", advisory.public_title), ("The text", advisory.public_body)) if public else
             (("The title", advisory.title), ("The summary", advisory.summary), ("The body", advisory.body),
              ("The recommended actions", advisory.recommended_actions)))
    for label, value in texts:
        budget.text(label, value)
    budget.check()
    authors = [(a.organization.name, a.approved_at) for a in advisory.authors]
    info = DocumentInfo(
        kind=f"{advisory.kind.label}{' — public edition' if public else ''}",
        reference=advisory.reference + (PUBLIC_SUFFIX if public else ""), version=None,
        tlp=TLP.CLEAR if public else advisory.tlp,
        heading=advisory.public_title if public else advisory.title,
        organisations=[name for name, _ in authors],
        issue_note=f"released {advisory.released_at:%Y-%m-%d %H:%M} UTC")
    return "pdf/advisory.html", {"doc": info, "advisory": advisory, "public": public, "authors": authors}

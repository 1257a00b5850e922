"""The 5×5 heat map's cells, worked out once per page in Python: templates/risks/_heat_map.html only writes them
out (two flat loops over ready values, instead of a score, a level, a count and a URL worked out in the template
for each of the 25 cells). Rows: likelihood 5 → 1; columns: impact 1 → 5."""
from collections.abc import Callable

from app.models import level_for_score
from app.risks.forms import IMPACT_LABELS
from app.risks.forms import LIKELIHOOD_LABELS

SCALE = range(1, 6)
# (likelihood, impact) -> the cell's level, once per process
_LEVELS = {(likelihood, impact): level_for_score(likelihood * impact).value for likelihood in SCALE for impact in SCALE}
COLUMNS = [(impact, IMPACT_LABELS[impact]) for impact in SCALE]


def heat_map(counts: dict[tuple[int, int], int], cell_url: Callable[[int, int], str] | None = None,
             selected: tuple[int, int] | None = None, markers: dict[tuple[int, int], str] | None = None) -> dict:
    """{"columns": [(impact, its label)], "rows": [(likelihood, its label, cells)]}, each cell (impact, its <td>
    classes, count, link, text): with `cell_url` the link goes to the register filtered to the cell and the text
    is its spoken label; without, there is no link and the text is the cell's marker from `markers` ("" for none)."""
    markers = markers or {}
    rows = []
    for likelihood in reversed(SCALE):
        cells = []
        for impact in SCALE:
            position = (likelihood, impact)
            level = _LEVELS[position]
            count = counts.get(position, 0)
            classes = f"heat-{level} heat-cell{'' if count else ' heat-zero'}"
            if position == selected:
                classes += " heat-selected border border-3 border-dark"
            if cell_url is None:
                cells.append((impact, classes, count, None, markers.get(position, "")))
            else:
                label = (f"{count} risk{'' if count == 1 else 's'} with likelihood {likelihood} and impact {impact}"
                         f" ({level})")
                cells.append((impact, classes, count, cell_url(likelihood, impact), label))
        rows.append((likelihood, LIKELIHOOD_LABELS[likelihood], cells))
    return {"columns": COLUMNS, "rows": rows}


def position_markers(risk) -> dict[tuple[int, int], str]:
    """A risk's own map: ● at its inherent position, ◯ at its residual one (●◯ when they are the same cell)."""
    inherent = (risk.likelihood, risk.impact)
    markers = {inherent: "●"}
    if risk.residual_score is not None:
        residual = (risk.residual_likelihood, risk.residual_impact)
        markers[residual] = "●◯" if residual == inherent else "◯"
    return markers

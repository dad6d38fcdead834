"""The one shape every follow-up figure travels in: a table of cells. Pure, no Django.

The screen, the CSV and XLSX exports and the API all render the same ``Table`` objects, built once per
request by ``reports``; suppression is applied to the table before any of them sees it, so they
cannot disagree.

Suppression (for anyone without case access): a cell is hidden when a count it rests on is between
1 and 4 (``rules.MIN_CELL``). A count of 0 is shown: it reveals nobody. A share rests on its numerator
and on the rest of its denominator (97 % of 100 would reveal 3), a duration or mean on the number of
cases it summarises. Where rows (or columns) add up to a total that is shown, one hidden cell could be
recomputed from the total, so the smallest other non-zero cell of that group is hidden too
(complementary suppression), repeated until nothing more changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .rules import COUNT, MIN_CELL, csv_value, format_value


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT
    metric: str = ""  # the metric key whose definition explains the column
    total_of: str = ""  # "row": this column is the sum of the row's other additive columns
    additive: bool = False  # counts that add up over rows (and over columns, to a ``total_of`` column)


@dataclass(slots=True)  # hundreds of rows of a dozen cells per table: slots make them cheaper to build
class Cell:
    value: int | float | str | None
    basis: tuple[int, ...] = ()
    suppressed: bool = False

    @property
    def small(self) -> bool:
        for c in self.basis:
            if 0 < int(c) < MIN_CELL:
                return True
        return False


@dataclass(slots=True)
class Row:
    key: str
    label: str
    cells: dict[str, Cell]
    group: str = ""  # rows of one group add up to the table's total (or to ``parent``)
    parent: str = ""  # key of the row this one is a part of (sub-rows: points under a law)
    depth: int = 0


@dataclass(frozen=True)
class Chart:
    kind: str  # "bars" (one bar per row) | "columns" (series over rows, e.g. months)
    columns: tuple[str, ...]
    title: str = ""


@dataclass
class Table:
    key: str
    title: str
    description: str
    row_header: str
    columns: list[Column]
    rows: list[Row]
    total: Row | None = None
    notes: list[str] = field(default_factory=list)
    chart: Chart | None = None
    suppressed_applied: bool = False

    # ------------------------------------------------------------------ access

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def all_rows(self) -> list[Row]:
        return [*self.rows, *([self.total] if self.total else [])]

    def row_cell(self, row_key: str, col_key: str) -> Cell:
        return next(r for r in self.all_rows if r.key == row_key).cells[col_key]

    def value(self, row_key: str, col_key: str):
        for row in self.all_rows:
            if row.key == row_key:
                cell = row.cells.get(col_key)
                return None if cell is None or cell.suppressed else cell.value
        raise KeyError(row_key)

    # ------------------------------------------------------------------ suppression

    def suppress(self) -> Table:
        """Hide small cells, then the complementary cells that would reveal them."""
        for row in self.all_rows:  # ``Cell.small``, inline: thousands of cells on a page per organisation
            for cell in row.cells.values():
                for c in cell.basis:
                    if 0 < int(c) < MIN_CELL:
                        cell.suppressed = True
                        cell.value = None
                        break
        for _ in range(10):
            if not (self._complement_rows() | self._complement_columns()):
                break
        self.suppressed_applied = True
        return self

    def _hide_smallest(self, cells: list[Cell]) -> bool:
        hidden = [c for c in cells if c.suppressed]
        if len(hidden) != 1:
            return False
        rest = [c for c in cells if not c.suppressed and isinstance(c.value, int | float) and c.value > 0]
        if not rest:
            return False
        victim = min(rest, key=lambda c: c.value)
        victim.suppressed, victim.value = True, None
        return True

    def _complement_rows(self) -> bool:
        """Within an additive column: rows of a group add up to the total (or to their parent)."""
        changed = False
        by_key = {r.key: r for r in reversed(self.rows)}  # the first row of a key, as a search would find
        for col in self.columns:
            if not col.additive:
                continue
            groups: dict[tuple[str, str], list[Cell]] = {}
            parents: dict[tuple[str, str], Cell | None] = {}
            for row in self.rows:
                cell = row.cells.get(col.key)
                if cell is None:
                    continue
                gk = (row.parent, row.group)
                groups.setdefault(gk, []).append(cell)
                if row.parent:
                    parent = by_key.get(row.parent)
                    parents[gk] = parent.cells.get(col.key) if parent else None
                else:
                    parents[gk] = self.total.cells.get(col.key) if self.total else None
            for gk, cells in groups.items():
                whole = parents.get(gk)
                if whole is None or whole.suppressed:
                    continue
                changed |= self._hide_smallest(cells)
        return changed

    def _complement_columns(self) -> bool:
        """Within a row: additive columns add up to the row's ``total_of`` column."""
        total_cols = [c for c in self.columns if c.total_of == "row"]
        if not total_cols:
            return False
        parts = [c.key for c in self.columns if c.additive and c.total_of != "row"]
        changed = False
        for row in self.all_rows:
            whole = row.cells.get(total_cols[0].key)
            if whole is None or whole.suppressed:
                continue
            changed |= self._hide_smallest([row.cells[k] for k in parts if k in row.cells])
        return changed

    # ------------------------------------------------------------------ rendering

    def header(self) -> list[str]:
        return [self.row_header, *(c.label for c in self.columns)]

    def text_rows(self, *, csv: bool = False) -> list[list[str]]:
        fmt = csv_value if csv else format_value
        out = []
        for row in self.all_rows:
            out.append([row.label, *(fmt(row.cells[c.key].value if c.key in row.cells else None, c.kind,
                            suppressed=row.cells[c.key].suppressed if c.key in row.cells else False)
                          for c in self.columns)])
        return out

    def as_dict(self) -> dict:
        """The API's JSON: every value as a number (null when hidden or missing) and which are hidden."""

        def row_dict(row: Row) -> dict:
            return {
                "key": row.key, "label": row.label, "parent": row.parent or None, "group": row.group or None,
                "values": {k: (None if c.suppressed else c.value) for k, c in row.cells.items()},
                "suppressed": sorted(k for k, c in row.cells.items() if c.suppressed),
            }

        return {
            "key": self.key, "title": self.title, "description": self.description,
            "row_header": self.row_header,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind, "metric": c.metric or None}
                        for c in self.columns],
            "rows": [row_dict(r) for r in self.rows],
            "total": row_dict(self.total) if self.total else None,
            "notes": list(self.notes),
            "suppression_applied": self.suppressed_applied,
        }


def count_cell(n: int | None) -> Cell:
    n = int(n or 0)
    return Cell(n, (n,))


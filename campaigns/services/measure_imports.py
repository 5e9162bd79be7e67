"""Importing a year of monthly measures returns from a filled measures sheet: every row or
none.

An uploaded sheet is kept and imported by a job (``measures_import_request``), which calls
``measures_import``, as the events import does.

The whole sheet is checked first: its cells (campaigns/imports/measures_sheet.py), each
row's figures by the return's own rules (``measure_figures_refused``), its unit (one the
user reports for, in the subtree of the unit imported for) and that no unit's month is
there twice. Then every row goes through the services a return's page uses
(``measure_return_open``, ``measure_return_save``, and ``measure_return_submit`` when asked)
inside one transaction: their refusals (a month not yet begun, a return already submitted)
are listed like the cells', and one problem anywhere undoes the whole import.

A row whose figures are those saved already changes nothing, whatever its return's status,
so that a sheet downloaded with the saved figures can be uploaded back as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.errors import NotAllowed
from campaigns.imports.events_sheet import SheetReading
from campaigns.imports.measures_sheet import (
    MONTH,
    UNIT_CODE,
    MeasuresRow,
    measures_sheet_read,
    part_key,
)
from campaigns.imports.sheets import Problem, SheetRefused
from campaigns.models import Job, MeasureReturn, OrgUnit
from campaigns.selectors.measures import report_units, saved_figures
from campaigns.services.audit import audit_record, audit_record_bulk
from campaigns.services.imports import sheet_kept
from campaigns.services.jobs import job_enqueue
from campaigns.services.measures import (
    figure_field,
    measure_figures_refused,
    measure_return_open,
    measure_return_save,
    measure_return_submit,
    typed_parts,
)
from portal.access import require, visible_to


@dataclass
class MeasuresImportResult:
    # Returns whose figures the sheet saved; rows that changed nothing are not among them.
    saved: int = 0
    unchanged: int = 0
    # Returns sent for review; 0 unless the user asked for it.
    submitted: int = 0
    problems: list[Problem] = field(default_factory=list)


class _Refused(Exception):
    """A problem found while saving: raised to undo the whole import."""


def measures_import(
    *,
    user,
    org_unit_id: int,
    data: bytes,
    submit: bool = False,
    filename: str = "",
    progress: Callable[[int, str], None] | None = None,
) -> MeasuresImportResult:
    """Check the whole sheet; if it is clean, save every row as its unit's return for its
    month (a draft), and send them for review only if ``submit``."""
    unit = visible_to(user, OrgUnit).get(pk=org_unit_id)
    require(user, "measures.report", unit)
    say = progress or (lambda percent, message: None)
    say(5, _("Reading the sheet"))
    parts = list(typed_parts())
    try:
        reading = measures_sheet_read(data, parts=parts)
    except SheetRefused as refusal:
        return MeasuresImportResult(problems=[Problem("", 0, "", "", str(refusal))])
    say(40, _("Checking the rows"))
    import_ = _Import(
        user=user,
        reading=reading,
        parts=parts,
        units={u.code: u for u in report_units(user=user).filter(path__startswith=unit.path)},
    )
    import_.rows_checked()
    say(60, _("Saving the returns"))
    try:
        with transaction.atomic():
            result = import_.saved(submit=submit)
            if import_.problems:
                raise _Refused
            audit_record_bulk(
                actor=user,
                model=MeasureReturn,
                action="campaigns.measure_return.imported",
                data={
                    "org_unit": unit.pk,
                    "file": filename,
                    "returns_saved": result.saved,
                    "returns_unchanged": result.unchanged,
                    "returns_submitted": result.submitted,
                },
            )
    except _Refused:
        problems = sorted(import_.problems, key=lambda p: (p.row, p.column))
        return MeasuresImportResult(problems=problems)
    say(100, _("Imported"))
    return result


@dataclass
class _Import:
    """The rows of one sheet, checked and then saved, with every problem found."""

    user: object
    reading: SheetReading
    parts: list
    units: dict[str, OrgUnit]  # by code: the units the sheet may name
    # The rows with no problem, each with its unit.
    clean: list[tuple[MeasuresRow, OrgUnit]] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        """Every problem found: the cells' and the rows'."""
        return self.reading.problems

    def problem(self, row: MeasuresRow, key: str, value, reason) -> None:
        self.reading.problem(row.row, key, value, reason)

    def rows_checked(self) -> None:
        """Check each row's unit, month and figures, listing every problem."""
        refused_rows = {problem.row for problem in self.reading.problems}
        seen: dict[tuple[str, int, int], int] = {}
        for row in self.reading.rows:
            before = len(self.problems)
            unit = self._unit(row)
            if row.month_start is not None and row.unit_code is not None:
                mark = (row.unit_code, row.year, row.month)
                if mark in seen:
                    self.problem(
                        row,
                        MONTH,
                        row.month,
                        _("Row %(row)s has this unit's month already.") % {"row": seen[mark]},
                    )
                seen.setdefault(mark, row.row)
            if not any(part_key(part) in row.refused for part in self.parts):
                self._figures_checked(row)
            if len(self.problems) == before and row.row not in refused_rows:
                self.clean.append((row, unit))

    def _unit(self, row: MeasuresRow) -> OrgUnit | None:
        if row.unit_code is None:
            return None
        unit = self.units.get(row.unit_code)
        if unit is None:
            # One answer for a unit that does not exist and one outside the user's reach.
            self.problem(
                row,
                UNIT_CODE,
                row.unit_code,
                _("No unit with this code that you report for here; keep the template's codes."),
            )
        return unit

    def _figures_checked(self, row: MeasuresRow) -> None:
        """The return's own rules on the row's figures (a whole count, two decimals, a part
        no larger than its whole, an NPS's answers together)."""
        errors = measure_figures_refused(parts=self.parts, figures=row.figures)
        keys = {figure_field(part): (part_key(part), part.pk) for part in self.parts}
        for name, reason in errors.items():
            key, part_pk = keys[name]
            self.problem(row, key, row.figures[part_pk], reason)

    def saved(self, *, submit: bool) -> MeasuresImportResult:
        """Save the clean rows through the return's services, listing what they refuse."""
        result = MeasuresImportResult()
        figures_before = saved_figures(
            user=self.user,
            units=[unit for _row, unit in self.clean],
            months=[row.month_start for row, _unit in self.clean],
        )
        to_submit = []
        for row, unit in self.clean:
            figures = {pk: value for pk, value in row.figures.items() if value is not None}
            before = figures_before.get((unit.pk, row.month_start))
            if before is not None and before[1] == figures:
                result.unchanged += 1
                if before[0].is_editable:
                    to_submit.append((row, before[0]))
                continue
            measure_return = self._row_saved(row, unit, figures)
            if measure_return is not None:
                result.saved += 1
                to_submit.append((row, measure_return))
        if submit and not self.problems:
            for row, measure_return in to_submit:
                if self._submitted(row, measure_return):
                    result.submitted += 1
        return result

    def _row_saved(self, row: MeasuresRow, unit: OrgUnit, figures: dict[int, Decimal]):
        try:
            # A savepoint: a refused row leaves the others' work to go on with (or undo).
            with transaction.atomic():
                measure_return = measure_return_open(
                    user=self.user, org_unit_id=unit.pk, month=row.month_start
                )
                return measure_return_save(
                    user=self.user,
                    return_id=measure_return.pk,
                    expected_version=measure_return.version,
                    figures=figures,
                )
        except ValidationError as error:
            self._refusal_listed(row, error)
        except NotAllowed as error:
            self.problem(row, UNIT_CODE, row.unit_code, error)
        return None

    def _submitted(self, row: MeasuresRow, measure_return: MeasureReturn) -> bool:
        try:
            with transaction.atomic():
                measure_return_submit(
                    user=self.user,
                    return_id=measure_return.pk,
                    expected_version=measure_return.version,
                )
        except ValidationError as error:
            self._refusal_listed(row, error)
            return False
        except NotAllowed as error:
            self.problem(row, UNIT_CODE, row.unit_code, error)
            return False
        return True

    def _refusal_listed(self, row: MeasuresRow, error: ValidationError) -> None:
        """A service's refusal, at the column it is about: a figure's at its part, the
        others (the month, the return's status) at the month."""
        keys = {figure_field(part): (part_key(part), part.pk) for part in self.parts}
        fields = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for name, reasons in fields.items():
            key, part_pk = keys.get(name, (MONTH, None))
            value = row.month if part_pk is None else row.figures.get(part_pk)
            for reason in reasons:
                self.problem(row, key, value, reason)


@transaction.atomic
def measures_import_request(*, user, org_unit: OrgUnit, sheet: File, submit: bool = False) -> Job:
    """Keep an uploaded measures sheet and queue the job that imports it
    (``measures_import``) for ``org_unit``'s subtree."""
    require(user, "measures.report", org_unit)
    upload, filename, size = sheet_kept(sheet)
    job = job_enqueue(
        kind=Job.Kind.MEASURES_IMPORT,
        owner=user,
        org_unit=org_unit,
        params={"upload": upload, "submit": submit, "filename": filename},
    )
    audit_record(
        actor=user,
        obj=job,
        action="campaigns.job.measures_sheet_uploaded",
        data={"file": filename, "bytes": size, "submitted": submit},
    )
    return job

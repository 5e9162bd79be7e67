"""An event's sign-in list, names and phones in full, as a workbook.

The file is personal information: it is made only by ``sign_ins_export``
(campaigns/services/signins.py), which checks the permission and keeps the reason in the
audit log.
"""

import io

from django.utils import timezone
from openpyxl import Workbook

from campaigns.exporters.filenames import download_filename
from campaigns.exporters.xlsx import sheet_ready_to_print, write_row
from campaigns.models import Event, SignIn

HEADERS = ["姓名", "手机号", "受众类别", "同意书版本", "同意时间"]


def sign_ins_workbook(event: Event, sign_ins: list[SignIn]) -> tuple[str, bytes]:
    """The file name and the workbook of ``sign_ins`` of ``event``, a person a row. Every
    cell is text (write_cell): a phone stays 11 digits, a name starting "=" stays inert."""
    book = Workbook()
    sheet = book.active
    sheet.title = "签到"
    write_row(sheet, 1, HEADERS)
    local = timezone.get_current_timezone()
    for row, sign_in in enumerate(sign_ins, start=2):
        write_row(
            sheet,
            row,
            [
                sign_in.name,
                sign_in.phone,
                sign_in.get_audience_group_display(),
                sign_in.consent_version,
                sign_in.consented_at.astimezone(local).strftime("%Y-%m-%d %H:%M"),
            ],
        )
    sheet_ready_to_print(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return download_filename("签到名单", event.title, extension="xlsx"), buffer.getvalue()

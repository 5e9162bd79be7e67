"""The names of the files the portal hands out: whole, in the words they are written in.

A browser takes a name such as "监管统计表-2025年3·15消费者权益保护教育宣传周-四川分公司.xlsx"
from the RFC 6266 ``filename*`` parameter, which Django writes for any name that is not
ASCII (``FileResponse(filename=…)``, ``content_disposition_header``); so a name is never cut
short or folded to ASCII here, only kept clear of what no file system takes.
"""

import re

# What Windows, the strictest common file system, does not take in a name.
UNFIT = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# File systems hold a name of at most 255 bytes; a Chinese character takes three.
NAME_BYTES = 255


def download_filename(*parts: str, extension: str) -> str:
    """``parts`` joined by "-" into a file name with ``extension``: each part whole, its
    spaces kept single, what no file system takes replaced by "_"."""
    stem = "-".join(" ".join(UNFIT.sub("_", part).split()) for part in parts if part.strip())
    suffix = f".{extension}"
    # Only a name past what a file system holds loses its end (whole characters).
    stem = stem.encode()[: NAME_BYTES - len(suffix.encode())].decode(errors="ignore")
    # Windows drops trailing dots and spaces; a name of nothing but them would vanish.
    return f"{stem.rstrip('. ') or 'export'}{suffix}"

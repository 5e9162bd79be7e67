"""Reading a workbook back as LibreOffice Calc reads it, in tests."""

import csv
import shutil
import subprocess
import uuid
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_csv(xlsx: Path, outdir: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``xlsx`` as LibreOffice Calc saves it to CSV, by sheet name."""
    profile = outdir / f"lo-profile-{uuid.uuid4().hex}"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            # UTF-8, comma-separated, values not formulas, every sheet to a file of its own.
            # (No shell here to strip quotes around the filter's name.)
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(outdir),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    sheets = {}
    for path in outdir.glob(f"{xlsx.stem}-*.csv"):
        with path.open(encoding="utf-8", newline="") as file:
            sheets[path.stem.removeprefix(f"{xlsx.stem}-")] = list(csv.reader(file))
    return sheets

"""`campaign contacts import` and `export-csv` as staff run them: summary, rejects file, a
spreadsheet export that imports back unchanged."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

_FILE = (
    "external_id;GSM;email;language;first_name;consent_sms;age\r\n"
    "p1;0470 12 34 56;;nl;Zoë;ja;70\r\n"
    "p2;0470 12 34 57;;fr;=cmd|' /C calc'!A0;oui;-1\r\n"
    "p3;12;;nl;Jan;ja;40\r\n"
)


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_", "TWILIO_"))}
    env["CAMPAIGN_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'campaign.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "campaign", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, f"campaign {' '.join(args)} failed:\n{result.stderr}"
    return result


def test_import_then_export_for_a_spreadsheet_then_import_again(tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    source.write_bytes(_FILE.encode("cp1252"))
    _cli(tmp_path, "db", "upgrade")
    imported = _cli(
        tmp_path, "contacts", "import", str(source), "--map", "GSM=phone", "--rejects", "bad.csv"
    ).stdout
    assert "detected: CSV, windows-1252, semicolon delimited; 3 rows" in imported, imported
    assert "columns read: GSM as phone" in imported
    assert "2 created, 0 updated, 0 unchanged, 0 ambiguous, 1 rejected" in imported
    assert "line 4, phone:" in imported
    # The rejects open as the file did: Windows-1252, semicolons, the file's own column names.
    bad = (tmp_path / "bad.csv").read_text(encoding="cp1252").splitlines()
    rejects = list(csv.reader(bad, delimiter=";"))
    assert rejects[1][:2] == ["4", "GSM"] and rejects[1][3:5] == ["p3", "12"]

    exported = _cli(tmp_path, "contacts", "export-csv", "out.csv", "--query", "age < 65")
    assert exported.stderr.strip().endswith("1 contacts written"), exported.stderr
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    header, row = list(csv.reader(text.splitlines(), delimiter=";"))
    cells = dict(zip(header, row, strict=True))
    assert (cells["external_id"], cells["phone"], cells["age"]) == ("p2", "'+32470123457", "'-1")
    assert cells["first_name"] == "'=cmd|' /C calc'!A0"

    again = _cli(tmp_path, "contacts", "import", "out.csv").stdout
    assert "0 created, 0 updated, 1 unchanged, 0 ambiguous, 0 rejected" in again, again

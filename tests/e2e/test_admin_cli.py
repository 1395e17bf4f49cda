"""`campaign partners`, and `campaign api-keys` listing, revoking and keeping a key, as an
administrator runs them on the embedded default."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _cli(tmp_path: Path, *args: str, code: int = 0, stdin: str = "") -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_", "TWILIO_"))}
    env["CAMPAIGN_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'campaign.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "campaign", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == code, f"campaign {' '.join(args)}:\n{result.stderr}"
    return result.stdout if code == 0 else result.stderr


def test_a_partner_slug_must_name_a_partner_created_on_purpose(tmp_path: Path) -> None:
    assert "no partners yet" in _cli(tmp_path, "partners", "list")
    password = "a long password\n"
    user = ("users", "create", "--email", "p@ngo.be", "--role", "partner", "--partner", "ngo")
    refused = _cli(tmp_path, *user, stdin=password, code=1)
    assert "no partner 'ngo'; known partners: none yet" in refused
    assert "campaign partners create SLUG --name NAME" in refused

    assert "partner ngo created: Het Buurthuis" in _cli(
        tmp_path, "partners", "create", "ngo", "--name", "Het Buurthuis"
    )
    assert "exists already" in _cli(tmp_path, "partners", "create", "ngo", "--name", "X", code=1)
    listed = _cli(tmp_path, "partners", "list").splitlines()
    assert listed[0].split() == ["slug", "name", "created"]
    assert listed[1].startswith("ngo   Het Buurthuis  ") and len(listed) == 2

    key = ("api-keys", "create", "--role", "partner", "--name", "sync", "--partner", "ngp")
    typo = _cli(tmp_path, *key, code=1)
    assert "no partner 'ngp'; did you mean 'ngo'? known partners: ngo" in typo
    (tmp_path / "people.csv").write_text("phone;language\n0470 11 11 11;nl\n", encoding="utf-8")
    imported = _cli(tmp_path, "contacts", "import", "people.csv", "--partner", "ngp", code=1)
    assert "known partners: ngo" in imported
    assert len(_cli(tmp_path, "partners", "list").splitlines()) == 2  # no partner ngp made


def _last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_a_kept_key_is_reused_while_it_works_and_keys_are_listed_and_revoked(
    tmp_path: Path,
) -> None:
    kept = tmp_path / ".campaign" / "run.key"
    create = (
        "api-keys",
        "create",
        "--role",
        "viewer",
        "--name",
        "make-run",
        "--keep-in",
        ".campaign/run.key",
    )
    first = _last_line(_cli(tmp_path, *create))
    assert first.startswith("cmp_") and kept.read_text(encoding="utf-8") == first + "\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    again = _cli(tmp_path, *create)
    assert "still works as viewer; reusing it" in again and _last_line(again) == first

    listed = _cli(tmp_path, "api-keys", "list").splitlines()
    header = "id prefix name role user partner created last used revoked expires"
    assert listed[0].split() == header.split()
    assert len(listed) == 2 and " make-run " in listed[1] and first[:12] in listed[1]
    assert first[12:] not in "\n".join(listed)

    assert f"API key {first[:12]} ('make-run') revoked" in _cli(
        tmp_path, "api-keys", "revoke", first[:12]
    )
    assert "was revoked already" in _cli(tmp_path, "api-keys", "revoke", "1")
    assert "no API key 'cmp_nothing'" in _cli(tmp_path, "api-keys", "revoke", "cmp_nothing", code=1)
    fresh = _last_line(_cli(tmp_path, *create))
    assert fresh != first and kept.read_text(encoding="utf-8").strip() == fresh
    # Asked for another role, the kept key does not fit: a new one is made and kept.
    editor = _cli(tmp_path, *create[:3], "editor", *create[4:])
    assert "created for role editor and kept in" in editor
    assert kept.read_text(encoding="utf-8").strip() == _last_line(editor) != fresh

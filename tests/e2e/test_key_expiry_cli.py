"""`campaign api-keys create --expires-in DAYS` and `campaign users set-role`, as an
administrator runs them on the embedded default (decision 0033)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_admin_cli import _cli, _last_line

pytestmark = pytest.mark.slow


def test_a_key_made_to_expire_shows_when_and_a_user_changes_role(tmp_path: Path) -> None:
    week = ("api-keys", "create", "--role", "viewer", "--name", "week", "--expires-in", "7")
    secret = _last_line(_cli(tmp_path, *week))
    assert secret.startswith("cmp_")
    listed = _cli(tmp_path, "api-keys", "list").splitlines()
    assert listed[0].split()[-1] == "expires"
    row = listed[1].split()
    assert row[2] == "week" and row[-1] == "UTC" and row[-2] != "-"  # a time, to the minute

    for days in ("0", "3651"):
        refused = _cli(tmp_path, *week[:-1], days, code=1)
        assert "a key expires in 1 to 3650 days" in refused and "Traceback" not in refused

    _cli(tmp_path, "users", "create", "--email", "ed@x.be", "--role", "editor", stdin="a" * 12)
    changed = _cli(tmp_path, "users", "set-role", "--email", "ed@x.be", "--role", "viewer")
    assert "user ed@x.be is now viewer" in changed
    missing = ("users", "set-role", "--email", "no@x.be", "--role", "viewer")
    assert "no user no@x.be" in _cli(tmp_path, *missing, code=1)

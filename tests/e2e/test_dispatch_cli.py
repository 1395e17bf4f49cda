"""`campaign dispatch stop|resume|status` as an operator runs them, on the embedded default."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _cli(tmp_path: Path, *args: str, code: int = 0) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_", "TWILIO_"))}
    env["CAMPAIGN_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'campaign.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "campaign", "dispatch", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == code, f"campaign dispatch {' '.join(args)}:\n{result.stderr}"
    return result.stdout if code == 0 else result.stderr


def test_an_operator_stops_and_resumes_all_sending(tmp_path: Path) -> None:
    assert "never stopped" in _cli(tmp_path, "status")
    assert "--reason" in _cli(tmp_path, "stop", code=2)  # no reason, no stop

    stopped = _cli(tmp_path, "stop", "--reason", "wrong amount in the SMS")
    operator = f"cli ({getpass.getuser()})"
    assert "sending is STOPPED since" in stopped
    assert stopped.strip().endswith(f"by {operator}: wrong amount in the SMS"), stopped
    again = _cli(tmp_path, "stop", "--reason", "me too")
    assert "already stopped" in again and "wrong amount in the SMS" in again
    assert "STOPPED" in _cli(tmp_path, "status")

    assert "sending is on (resumed" in _cli(tmp_path, "resume")
    assert "not stopped; nothing changed" in _cli(tmp_path, "resume")
    assert f"by {operator})" in _cli(tmp_path, "status")

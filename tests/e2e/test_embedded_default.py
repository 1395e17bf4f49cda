"""The embedded default end to end: `campaign demo`, then `campaign run` in a subprocess.

The demo campaign must reach a final state for every message, seen through the API, and its
statistics must count every message once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from subprocess import Popen
from typing import Any

import pytest

pytestmark = pytest.mark.slow

FINAL = {"delivered", "failed_permanent", "failed_temporary", "expired", "skipped"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "-m", "campaign", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"campaign {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def _get(url: str, key: str | None = None) -> Any:
    request = urllib.request.Request(url)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def _post(url: str, key: str, body: Any) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture
def service_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_", "TWILIO_"))}
    env["CAMPAIGN_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'campaign.db'}"
    env["CAMPAIGN_PORT"] = str(_free_port())
    env["CAMPAIGN_LOG_LEVEL"] = "WARNING"
    return env


@contextmanager
def _service(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Popen[bytes]]]:
    """`campaign run` in a subprocess, ready; stopped with SIGTERM, which must exit 0."""
    log = (tmp_path / "service.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "campaign", "run"], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{env['CAMPAIGN_PORT']}"
    try:
        _wait_until(lambda: _get(f"{base}/readyz")["status"] == "ok", 30, process, tmp_path)
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        log.close()
        assert code == 0, (tmp_path / "service.log").read_text()[-3000:]


def _wait_until(check: Any, seconds: float, process: Popen[bytes], tmp: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp / "service.log").read_text()[-3000:]
        try:
            if check():
                return
        except (OSError, KeyError, ValueError):
            pass
        time.sleep(0.25)
    raise AssertionError(
        f"not true within {seconds} s:\n{(tmp / 'service.log').read_text()[-3000:]}"
    )


def test_demo_campaign_reaches_a_final_state_for_every_message(
    service_env: dict[str, str], tmp_path: Path
) -> None:
    summary = _cli(service_env, "demo")
    assert "approved and due now" in summary
    assert "approved and due now" not in _cli(service_env, "demo")  # safe to run twice
    key = _cli(service_env, "api-keys", "create", "--role", "viewer", "--name", "e2e")
    key = key.strip().splitlines()[-1]

    with _service(service_env, tmp_path) as (base, process):

        def finished() -> bool:
            campaigns = _get(f"{base}/api/v1/campaigns", key)
            demo = next(c for c in campaigns["items"] if c["name"].startswith("Demo"))
            return bool(demo["state"] == "completed")

        _wait_until(finished, 90, process, tmp_path)
        campaigns = _get(f"{base}/api/v1/campaigns", key)["items"]
        demo = next(c for c in campaigns if c["name"].startswith("Demo"))
        stats = _get(f"{base}/api/v1/campaigns/{demo['id']}/stats", key)
        # The simulator number that answers STOP: that person is opted out of SMS (the reply
        # comes just after its delivery receipt, so it may land after the completion).
        preview, query = f"{base}/api/v1/segments/preview", {"query": "opted_out_sms"}
        _wait_until(lambda: _post(preview, key, query)["matched"] == 1, 10, process, tmp_path)
        stopped = _post(preview, key, query)

    # The demo measure is for people out of work: about a third of the 2,000 (the rest are
    # recorded as left out, not eligible).
    assert stats["total"] > 500
    assert stats["excluded"]["by_reason"]["not_eligible"] > 1000
    assert set(stats["by_status"]) <= FINAL | {"sent"}
    assert stats["by_status"].get("delivered", 0) > 0
    # The demo's simulator numbers and address fail on purpose, each its own way.
    assert stats["by_status"].get("failed_permanent", 0) >= 3
    assert stats["by_status"].get("failed_temporary", 0) >= 1
    assert sum(stats["by_status"].values()) == stats["total"]
    for breakdown in ("by_channel", "by_language"):
        assert sum(b["total"] for b in stats[breakdown].values()) == stats["total"]
        for bucket in stats[breakdown].values():
            assert sum(bucket["by_status"].values()) == bucket["total"]
    assert stopped["matched"] == 1 and stopped["reachable"]["sms"] == 0
    # Email is final once accepted; SMS must have a final receipt.
    assert "sent" not in stats["by_channel"].get("sms", {"by_status": {}})["by_status"]

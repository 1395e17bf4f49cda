"""The embedded default's files (the SQLite database, its -wal and -shm, the secret key beside
it) are for the service's own user only: 0600 whatever the umask, and a file an older version
left open to every user is closed to them on the next start (SQLite only: PostgreSQL keeps its
own files)."""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from campaign.settings import SettingsError, load_settings
from campaign.store.engine import create_engine


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _modes(folder: Path) -> dict[str, int]:
    return {path.name: _mode(path) for path in folder.iterdir()}


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The umask many systems run services with, under which files are made world-readable."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@pytest.mark.usefixtures("open_umask")
async def test_a_new_database_and_its_wal_and_shm_are_for_their_owner_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "campaign.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE people (name TEXT)"))
            await connection.execute(text("INSERT INTO people VALUES ('Ann')"))
            # The write is in the WAL now, and the shared-memory index beside it exists.
            modes = _modes(tmp_path)
    finally:
        await engine.dispose()
    assert modes == {"campaign.db": 0o600, "campaign.db-wal": 0o600, "campaign.db-shm": 0o600}


async def test_a_database_open_to_every_user_is_closed_to_them_on_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "campaign.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE people (name TEXT)"))
    await engine.dispose()
    path.chmod(0o644)  # as versions before decision 0034 made it

    with caplog.at_level(logging.WARNING, logger="campaign.kernel.files"):
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.connect() as connection:  # the data is still there and readable
        assert (await connection.execute(text("SELECT count(*) FROM people"))).scalar() == 0
    await engine.dispose()
    assert _mode(path) == 0o640  # the group's access is the operator's choice
    assert f"{path} was open to every user here (mode 0644): now 0640" in caplog.text


@pytest.mark.usefixtures("open_umask")
def test_the_embedded_secret_key_is_for_its_owner_only(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'campaign.db'}"
    settings = load_settings(database_url=url)
    key_file = tmp_path / "campaign.db.secret"
    assert _mode(key_file) == 0o600
    assert key_file.read_text() == settings.secret().decode()
    assert [p.name for p in tmp_path.iterdir()] == ["campaign.db.secret"]  # no draft left


def test_a_secret_key_open_to_every_user_is_closed_to_them_and_kept(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'campaign.db'}"
    first = load_settings(database_url=url)
    key_file = tmp_path / "campaign.db.secret"
    key_file.chmod(0o644)
    again = load_settings(database_url=url)
    assert _mode(key_file) == 0o640
    assert again.secret() == first.secret()


def test_processes_starting_at_once_share_one_secret_key(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'campaign.db'}"
    starters = 8
    barrier, found = threading.Barrier(starters), []

    def start() -> None:
        barrier.wait()
        found.append(load_settings(database_url=url).secret())

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == starters and len(set(found)) == 1
    assert found[0] == (tmp_path / "campaign.db.secret").read_text().encode()


def test_a_damaged_secret_key_file_is_refused_not_used(tmp_path: Path) -> None:
    (tmp_path / "campaign.db.secret").write_text("\n")
    url = f"sqlite+aiosqlite:///{tmp_path / 'campaign.db'}"
    with pytest.raises(SettingsError, match=r"campaign\.db\.secret is shorter than 32"):
        load_settings(database_url=url)

"""Quiet hours as pure rules: which spans hold for a campaign, and when they end for a person.

Times are written in UTC and checked against what the person's own clock says: Brussels is
UTC+1 in winter and UTC+2 in summer, New York UTC-5 in winter, Tokyo UTC+9 all year.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from campaign.campaigns.model import CampaignDraft, QuietHours
from campaign.dispatch.quiet import default_quiet_hours, quiet_spans, quiet_until
from campaign.settings import load_settings

BRUSSELS = ZoneInfo("Europe/Brussels")
DEFAULT = QuietHours(time(21), time(8))
STRICTER = QuietHours(time(7), time(10))


def _draft(quiet: QuietHours | None = None, override: str | None = None) -> CampaignDraft:
    return CampaignDraft(
        name="x",
        template_version_id=1,
        audience_query="language IS SET",
        starts_at=datetime(2026, 3, 2, tzinfo=UTC),
        quiet_hours=quiet,
        quiet_hours_override=override,
    )


def test_the_default_holds_with_a_campaigns_own_hours_unless_overridden_with_a_reason() -> None:
    assert quiet_spans(_draft(), DEFAULT) == (DEFAULT,)
    assert quiet_spans(_draft(STRICTER), DEFAULT) == (DEFAULT, STRICTER)
    assert quiet_spans(_draft(STRICTER, override="night shift workers"), DEFAULT) == (STRICTER,)
    assert quiet_spans(_draft(override="an emergency"), DEFAULT) == ()


def test_off_means_no_default_and_only_a_campaigns_own_hours() -> None:
    settings = load_settings(database_url="sqlite+aiosqlite://", secret_key="k" * 32)
    assert default_quiet_hours(settings.default_quiet_hours) == DEFAULT
    off = load_settings(database_url="sqlite+aiosqlite://", secret_key="k" * 32, quiet_hours="off")
    assert default_quiet_hours(off.default_quiet_hours) is None
    assert quiet_spans(_draft(), None) == ()
    assert quiet_spans(_draft(STRICTER), None) == (STRICTER,)


def test_a_sms_at_23_01_in_brussels_waits_until_08_00_there() -> None:
    at_23_01 = datetime(2026, 3, 2, 22, 1, tzinfo=UTC)  # winter: Brussels is UTC+1
    until = quiet_until((DEFAULT,), BRUSSELS, at_23_01)
    assert until is not None
    assert until.astimezone(BRUSSELS).replace(tzinfo=None) == datetime(2026, 3, 3, 8, 0)


def test_the_edges_of_the_span() -> None:
    def local(hour: int, minute: int) -> datetime:
        return datetime(2026, 3, 2, hour, minute, tzinfo=BRUSSELS).astimezone(UTC)

    assert quiet_until((DEFAULT,), BRUSSELS, local(20, 59)) is None
    assert quiet_until((DEFAULT,), BRUSSELS, local(21, 0)) is not None
    assert quiet_until((DEFAULT,), BRUSSELS, local(7, 59)) == local(8, 0)
    assert quiet_until((DEFAULT,), BRUSSELS, local(8, 0)) is None


def test_each_person_is_held_by_their_own_zone() -> None:
    at_23_01_brussels = datetime(2026, 3, 2, 22, 1, tzinfo=UTC)
    assert quiet_until((DEFAULT,), ZoneInfo("America/New_York"), at_23_01_brussels) is None
    tokyo = quiet_until((DEFAULT,), ZoneInfo("Asia/Tokyo"), at_23_01_brussels)  # 07:01 there
    assert tokyo == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 08:00 in Tokyo


def test_overlapping_spans_chain_to_the_last_end() -> None:
    at_23_01 = datetime(2026, 3, 2, 22, 1, tzinfo=UTC)
    # 21:00-08:00, then the campaign's own 07:00-10:00 continues it: 10:00 in Brussels.
    assert quiet_until((DEFAULT, STRICTER), BRUSSELS, at_23_01) == datetime(
        2026, 3, 3, 9, 0, tzinfo=UTC
    )
    # From inside the second span alone.
    at_09_30 = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    assert quiet_until((DEFAULT, STRICTER), BRUSSELS, at_09_30) == datetime(
        2026, 3, 3, 9, 0, tzinfo=UTC
    )
    # Spans that only touch chain too: 21:00-08:00 and 08:00-09:00 end at 09:00 in Brussels.
    touching = (DEFAULT, QuietHours(time(8), time(9)))
    assert quiet_until(touching, BRUSSELS, at_23_01) == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def test_the_night_the_clocks_go_forward_in_brussels() -> None:
    # Sunday 29 March 2026, 02:00 CET becomes 03:00 CEST: the night is an hour shorter,
    # and 08:00 the next morning is 06:00 UTC, not 07:00.
    at_23_01 = datetime(2026, 3, 28, 22, 1, tzinfo=UTC)
    assert quiet_until((DEFAULT,), BRUSSELS, at_23_01) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    during_the_gap = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert quiet_until((DEFAULT,), BRUSSELS, during_the_gap) == datetime(
        2026, 3, 29, 6, 0, tzinfo=UTC
    )


def test_the_night_the_clocks_go_back_in_brussels() -> None:
    # Sunday 25 October 2026, 03:00 CEST becomes 02:00 CET: 08:00 is 07:00 UTC.
    at_23_01 = datetime(2026, 10, 24, 21, 1, tzinfo=UTC)
    assert quiet_until((DEFAULT,), BRUSSELS, at_23_01) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
    # The hour from 02:00 to 03:00 happens twice; a span ending at 02:30 ends each time.
    early = QuietHours(time(1), time(2, 30))
    first_02_10 = datetime(2026, 10, 25, 0, 10, tzinfo=UTC)  # 02:10 CEST
    second_02_10 = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET
    assert quiet_until((early,), BRUSSELS, first_02_10) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert quiet_until((early,), BRUSSELS, second_02_10) == datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )


def test_an_end_that_the_clock_skips_holds_no_less_than_the_gap() -> None:
    # 01:00-02:30 on the spring-forward night: 02:30 never comes; the person is held at least
    # until the clock jumps to 03:00 CEST, and is no longer in quiet hours when released.
    early = QuietHours(time(1), time(2, 30))
    at_01_30 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    until = quiet_until((early,), BRUSSELS, at_01_30)
    assert until is not None and until >= datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert quiet_until((early,), BRUSSELS, until) is None


def test_no_spans_is_never_quiet() -> None:
    assert quiet_until((), BRUSSELS, datetime(2026, 3, 2, 22, 1, tzinfo=UTC)) is None

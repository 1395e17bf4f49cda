"""The clock: APScheduler wakes campaign services up; the database says what is due.

No SQL and no provider here: what the clock wakes is handed in as ``ClockWork``, and who leads
as ``Leadership``."""

from scheduler.clock import CampaignClock, ClockWork
from scheduler.leader import AlwaysLeader, Leadership

__all__ = ["AlwaysLeader", "CampaignClock", "ClockWork", "Leadership"]

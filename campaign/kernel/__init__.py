"""Product-wide and domain-free: the clock, the error tree, who is acting and what they may do,
secrets and signed tokens, the channel enum, the poll loop. The only ``campaign`` package that
``audiences`` and ``scheduler`` use, with ``store`` and ``events``."""

from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock, ManualClock, SystemClock
from campaign.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from campaign.kernel.identity import SYSTEM, Identity, Permission, Role

__all__ = [
    "SYSTEM",
    "Channel",
    "Clock",
    "Conflict",
    "DomainError",
    "Forbidden",
    "Identity",
    "InvalidInput",
    "ManualClock",
    "NotFound",
    "Permission",
    "Role",
    "SystemClock",
]

"""Four eyes: who may approve a campaign. Nobody who wrote any of what people get.

The authors of a campaign are whoever created, edited or submitted it (its audit trail: a
submission vouches for the words), wrote its template version (the words people get), or
created or edited one of its measures (the words about the help). Approval needs a person
(a user), and none of them (docs/decisions/0033-least-privilege-and-four-eyes.md).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from campaign.campaigns import repository as repo
from campaign.campaigns.model import Campaign
from campaign.kernel.errors import Forbidden
from campaign.kernel.identity import Identity
from campaign.measures import repository as measures
from campaign.message_templates import repository as templates


async def may_approve(session: AsyncSession, campaign: Campaign, actor: Identity) -> None:
    """Forbidden unless ``actor`` is a person who wrote none of the campaign."""
    if actor.user_id is None:
        raise Forbidden("approval needs a person: use a key that acts for a user")
    wrote = await _what_they_wrote(session, campaign, actor.user_id)
    if wrote:
        raise Forbidden(
            f"an author of a campaign cannot approve it: you wrote {' and '.join(wrote)}; "
            "ask a second person"
        )


async def _what_they_wrote(session: AsyncSession, campaign: Campaign, user_id: int) -> list[str]:
    """What of the campaign ``user_id`` wrote: the campaign (or submitted it, vouching for
    it), its template version (the words people get), one of its measures (the words about
    the help)."""
    wrote = []
    if user_id in await repo.author_ids(session, campaign.id):
        wrote.append("or submitted this campaign")
    if await templates.version_author(session, campaign.draft.template_version_id) == user_id:
        wrote.append("its template version")
    if user_id in await measures.author_ids(session, campaign.measure_ids):
        wrote.append("one of its measures")
    return wrote

"""Our marks on every mail, so that what comes back names its message.

The return path (VERP, ``bounce+<mark>@CAMPAIGN_BOUNCE_DOMAIN``) is where a bounce goes: its
address alone says which message bounced. Some relays rewrite the return path to their own;
then the ``Message-ID`` of our mail, quoted in the bounce, names it, and the recipient the
bounce is about must be the message's address. Both carry a signed mark (``Signer.sign_id``),
so nobody can fail or opt out someone else's message by writing a bounce of their own.
"""

from __future__ import annotations

import re
import secrets

from campaign.kernel.security import InvalidToken, Signer

_RETURN_PATH = re.compile(r"^bounce\+m(?P<mark>\d+-[0-9a-f]{16})@", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"^<?(?P<number>\d+)\.[0-9a-f]{8}\.(?P<mac>[0-9a-f]{16})@", re.IGNORECASE)


class MailMarks:
    def __init__(self, signer: Signer, *, bounce_domain: str | None, id_domain: str) -> None:
        self._signer = signer
        self._bounce_domain = bounce_domain
        self._id_domain = id_domain

    def return_path(self, message_id: int, fallback: str) -> str:
        """The envelope sender of a message: its VERP address, or ``fallback`` (the sender's
        own address) when no bounce domain is configured."""
        if not self._bounce_domain:
            return fallback
        return f"bounce+m{self._signer.sign_id('verp', message_id)}@{self._bounce_domain}"

    def message_id(self, message_id: int) -> str:
        """A ``Message-ID`` naming the message, new at every hand-over (the nonce): a mail
        sent again after an unknown outcome is another mail, as a receiver sees it."""
        number, _, mac = self._signer.sign_id("message-id", message_id).partition("-")
        return f"<{number}.{secrets.token_hex(4)}.{mac}@{self._id_domain}>"

    def read_return_path(self, address: str) -> int | None:
        """The message a VERP address names, or None (not ours, or a forged mark)."""
        found = _RETURN_PATH.match(address.strip().strip("<>"))
        if found is None:
            return None
        try:
            return self._signer.verify_id(found["mark"], "verp")
        except InvalidToken:
            return None

    def read_message_id(self, header: str) -> int | None:
        """The message a ``Message-ID`` of ours names, or None."""
        found = _MESSAGE_ID.match(header.strip())
        if found is None:
            return None
        try:
            return self._signer.verify_id(f"{found['number']}-{found['mac']}", "message-id")
        except InvalidToken:
            return None

"""Message template sources, shipped as package data (see campaign.messages.library)."""

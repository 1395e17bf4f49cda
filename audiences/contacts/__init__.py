"""Contacts: addresses and their keyed hashes, households, consent, opt-out and suppression,
the field registry, privacy (who may see a contact, export, erasure) and its audit trail."""

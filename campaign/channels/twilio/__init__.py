"""Twilio: the signature check and reading of its inbound-message webhook."""

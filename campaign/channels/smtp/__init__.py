"""Email over SMTP: the relay provider and the reading of what comes back to the bounce address."""

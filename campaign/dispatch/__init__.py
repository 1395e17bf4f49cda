"""Workers that claim queued messages and send them: leases, rate limits, quiet hours, retries."""

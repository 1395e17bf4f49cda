"""What becomes of messages after the send: delivery receipts, STOP replies and opt-out
links, the sweeps that settle messages nobody reports on, and statistics."""

"""SMS and email providers behind one protocol: sandbox, twilio, smtp."""

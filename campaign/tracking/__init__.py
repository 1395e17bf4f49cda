"""Delivery receipts, bounces, inbound SMS and opt-out, statistics."""

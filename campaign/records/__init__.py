"""A person's records across the service: import, lists, export, erasure, staff opt-out."""

"""Versioned message templates: a version never changes; editing saves a new, checked one."""

"""Staff and partner accounts and API keys, and turning a presented key into an ``Identity``."""

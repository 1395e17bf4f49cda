"""Rendering, pure: text in, text and findings out. Templates in Jinja2's sandbox, languages and
how to stop in each, SMS encoding and segments, email as MIME, plain-language checks."""

"""Rendering: template loading, languages, SMS encoding. Pure: text in, text out."""

"""Importing contact files: CSV and XLSX streams, checking rows, matching them to contacts, and
the files of rejected rows."""

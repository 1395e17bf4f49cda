"""Product-wide and domain-free: the clock, the error tree, who is acting and what they may do,
secrets and signed tokens, the channel enum, the poll loop. The only ``campaign`` package that
``audiences`` and ``scheduler`` use, with ``store`` and ``events``."""

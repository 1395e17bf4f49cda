"""The message entity's lifecycle, shared by dispatch and tracking: states, ranks, finality and
the conditional moves that record every transition."""

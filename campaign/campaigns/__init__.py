"""The campaign entity: its model and states, the service behind the staff actions and the clock,
its rows, its runs (materialised audiences), approval checks and cost."""

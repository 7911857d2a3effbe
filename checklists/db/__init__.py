"""The few hand-written SQL helpers (each statement keeps, beside it, the figure that justifies it)."""

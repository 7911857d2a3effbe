"""Reminders: schedule math, writes, the sweep that claims due reminders, and sending them."""

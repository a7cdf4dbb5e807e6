"""Plots of functions and losses (matplotlib)."""

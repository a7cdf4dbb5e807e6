"""Explanation: reports of a trace, node lookup by expression, derivative checks."""

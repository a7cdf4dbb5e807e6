"""Whole jobs: a graph file or conv stack to every output it asks for (render, rf, gallery)."""

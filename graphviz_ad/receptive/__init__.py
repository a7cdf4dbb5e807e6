"""Receptive fields of conv/pool stacks: arithmetic, graph-file specs, text, drawing."""

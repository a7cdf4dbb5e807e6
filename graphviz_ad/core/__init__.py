"""The core: language, graph building, primitive table, passes, traces."""

"""Bring your own code: numpy functions, micrograd ``Value`` graphs and JAX functions traced
into the same Program the language builds (:mod:`.record`), so every output works on them.
"""

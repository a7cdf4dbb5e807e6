"""Drawing: DOT building, fixed-layout frames and the writers for every output format."""

"""The generated parser is not the suite's to collect (--doctest-modules would import its
3,500 lines for nothing); its freshness is tested in tests/test_parser_oracle.py."""

collect_ignore = ["_parser_standalone.py"]

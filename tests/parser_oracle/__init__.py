"""lark's stand-alone LALR(1) parser for graphviz_ad/core/language.lark (generated into
``_parser_standalone.py`` by ``build_standalone.py``): the oracle that tests/lark_oracle.py
drives to check graphviz_ad.core.parse.  Tests only: the package does not ship it."""

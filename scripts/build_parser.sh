#!/bin/sh
# Regenerate graphviz_ad/_parser_standalone.py after editing graphviz_ad/language.lark.
cd "$(dirname "$0")/.." && exec python3 scripts/build_parser.py "$@"

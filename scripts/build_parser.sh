#!/bin/sh
# Regenerate graphviz_ad/core/_parser_standalone.py after editing graphviz_ad/core/language.lark.
cd "$(dirname "$0")/.." && exec python3 scripts/build_parser.py "$@"

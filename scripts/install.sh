#!/usr/bin/env bash
# Install graphviz-ad and what it needs on Debian/Ubuntu (Python 3.11+).
#   bash scripts/install.sh          # Graphviz, fonts, Cairo + the package
#   bash scripts/install.sh --test   # also the test extras, Chromium and LaTeX for the test suite
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

debs=()
command -v dot >/dev/null 2>&1 || debs+=(graphviz)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || debs+=(fonts-dejavu-core)
ldconfig -p 2>/dev/null | grep -q libcairo.so.2 || debs+=(libcairo2)
if [ "$want_tests" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || debs+=(chromium)
  command -v pdflatex >/dev/null 2>&1 || debs+=(texlive-latex-base texlive-latex-recommended texlive-pictures)
fi

if [ "${#debs[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
      if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "graphviz-ad: need root to install: ${debs[*]}" >&2
        echo "  run as root: apt-get update && apt-get install -y ${debs[*]}" >&2
        exit 1
      fi
    fi
    echo "installing Debian packages: ${debs[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${debs[@]}" >/dev/null
  else
    echo "graphviz-ad: please install these with your system's package manager: ${debs[*]}" >&2
    echo "  (macOS: brew install graphviz cairo; fonts: DejaVu Sans)" >&2
    exit 1
  fi
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "graphviz-ad: needs Python 3.11 or newer (found $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
if "$PYTHON" -c 'import sys, sysconfig, os; sys.exit(not (sys.prefix == sys.base_prefix and os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))))'; then
  echo "graphviz-ad: this Python is managed by the system (PEP 668); use a virtual environment:" >&2
  echo "  python3 -m venv .venv && . .venv/bin/activate && bash scripts/install.sh ${1:-}" >&2
  exit 1
fi

extras=""
[ "$want_tests" = 1 ] && extras="[test]"
"$PYTHON" -m pip install --quiet --disable-pip-version-check -e ".${extras}"
echo "graphviz-ad installed: $("$PYTHON" -m graphviz_ad --version)" >&2

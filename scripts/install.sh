#!/usr/bin/env bash
# Install graphviz-ad and what it needs on Debian/Ubuntu (Python 3.11+).
#   bash scripts/install.sh          # Graphviz, fonts, Cairo + the package
#   bash scripts/install.sh --test   # also the test extras, Chromium and LaTeX for the test suite
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

# Required: Graphviz, fontconfig and the DejaVu fonts (∂ · − ² ₁), Cairo (PDF frames).
debs=()
command -v dot >/dev/null 2>&1 || debs+=(graphviz)
command -v fc-match >/dev/null 2>&1 || debs+=(fontconfig)  # graphviz-ad finds fonts with it
[ -n "$(fc-list 'DejaVu Sans' 2>/dev/null)" ] || debs+=(fonts-dejavu-core)
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
grep -q libcairo.so.2 <("$LDCONFIG" -p 2>/dev/null) || debs+=(libcairo2)
# Optional, for the tests that need them (they skip cleanly without): the HTML player's
# browser test and the beamer compile test.
optional=()
if [ "$want_tests" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || optional+=(chromium)
  command -v pdflatex >/dev/null 2>&1 || optional+=(texlive-latex-base texlive-latex-recommended texlive-pictures)
fi

SUDO=""
apt_ok=0
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt_ok=1
  elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; apt_ok=1; fi
fi
if [ "${#debs[@]}" -gt 0 ]; then
  if [ "$apt_ok" = 1 ]; then
    echo "installing Debian packages: ${debs[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${debs[@]}" >/dev/null
  elif command -v apt-get >/dev/null 2>&1; then
    echo "graphviz-ad: need root to install: ${debs[*]}" >&2
    echo "  run as root: apt-get update && apt-get install -y ${debs[*]}" >&2
    exit 1
  else
    echo "graphviz-ad: please install these with your system's package manager: ${debs[*]}" >&2
    echo "  (macOS: brew install graphviz cairo; fonts: DejaVu Sans)" >&2
    exit 1
  fi
fi
if [ "${#optional[@]}" -gt 0 ] && [ "$apt_ok" = 1 ]; then
  echo "installing Debian packages for the browser and LaTeX tests: ${optional[*]}" >&2
  [ "${#debs[@]}" -gt 0 ] || $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${optional[@]}" >/dev/null \
    || echo "graphviz-ad: could not install ${optional[*]}; the tests that need them will be skipped" >&2
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

extras="[fast]"  # libvips: rasterizing ~6x faster than the required cairosvg
[ "$want_tests" = 1 ] && extras="[fast,test]"
"$PYTHON" -m pip install --quiet --disable-pip-version-check -e ".${extras}"
echo "graphviz-ad installed: $("$PYTHON" -m graphviz_ad --version)" >&2

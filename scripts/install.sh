#!/usr/bin/env bash
# Install graphviz-ad and what it needs on Debian/Ubuntu (Python 3.11+).
#   bash scripts/install.sh          # Graphviz, fonts, Cairo + the package
#   bash scripts/install.sh --test   # also the test extras, Chromium and LaTeX for the test suite
# Prints a line per stage and a condensed line per package; never silent for more than
# HEARTBEAT seconds (a "… still <stage>" line); on a failure, the last lines of the tool.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
HEARTBEAT=${HEARTBEAT:-10}
want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

say() { echo "graphviz-ad install: $*" >&2; }

# summarise STAGE PATTERN: stdin's lines matching the extended regex PATTERN, indented and
# cut to 100 characters, and a heartbeat line whenever HEARTBEAT seconds pass without one.
summarise() {
  local stage=$1 pattern=$2 line="" part status started=$SECONDS quiet_since=$SECONDS
  while :; do
    status=0
    IFS= read -r -t 2 part || status=$?
    line+=$part
    if [ "$status" -le 128 ]; then  # a whole line, or the end of the input
      if [ -n "$line" ] && [[ $line =~ $pattern ]]; then
        echo "  ${line:0:100}" >&2
        quiet_since=$SECONDS
      fi
      line=""
      [ "$status" = 0 ] || break
    fi  # else timed out: a partial line is kept for the next read
    if [ $((SECONDS - quiet_since)) -ge "$HEARTBEAT" ]; then
      echo "  … still ${stage} ($((SECONDS - started)) s)" >&2
      quiet_since=$SECONDS
    fi
  done
}

# stage WHAT PATTERN COMMAND...: run COMMAND, its output summarised; its exit status kept.
stage() {
  local what=$1 pattern=$2 log status=0 started=$SECONDS
  shift 2
  say "${what} …"
  log=$(mktemp "${TMPDIR:-/tmp}/graphviz-ad-install.XXXXXX")
  "$@" 2>&1 | tee "$log" | summarise "$what" "$pattern" || status=$?
  if [ "$status" != 0 ]; then
    say "${what} failed (exit ${status}); its last lines:"
    tail -n 25 "$log" >&2
  else
    say "${what}: done in $((SECONDS - started)) s"
  fi
  rm -f "$log"
  return "$status"
}

APT_UPDATE='^(Get:|Err:|E:|W:)'
APT_INSTALL='^(Need to get|Setting up|E:)'
PIP_LINES='^(Collecting|Obtaining|Building|Successfully|ERROR)'

# Required: Graphviz, fontconfig and the DejaVu fonts (∂ · − ² ₁), Cairo (PDF frames).
say "checking for Graphviz, fontconfig, DejaVu fonts and Cairo"
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
    stage "updating Debian's package lists" "$APT_UPDATE" $SUDO apt-get update
    stage "installing Debian packages: ${debs[*]}" "$APT_INSTALL" \
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${debs[@]}"
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
  [ "${#debs[@]}" -gt 0 ] || stage "updating Debian's package lists" "$APT_UPDATE" \
    $SUDO apt-get update || true
  stage "installing Debian packages for the browser and LaTeX tests: ${optional[*]}" \
    "$APT_INSTALL" \
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${optional[@]}" \
    || say "could not install ${optional[*]}; the tests that need them will be skipped"
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
stage "installing graphviz-ad${extras} and its Python packages with pip" "$PIP_LINES" \
  "$PYTHON" -m pip install --disable-pip-version-check --progress-bar off -e ".${extras}"
say "done: $("$PYTHON" -m graphviz_ad --version)"

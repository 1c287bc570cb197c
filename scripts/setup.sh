#!/usr/bin/env bash
# One-time, idempotent set-up of a fresh Debian machine: system libraries, a pinned font,
# a headless browser for the gallery tests, and a virtual environment with CPU-only torch.
# A second run checks and returns in a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

# fonts-nanum: Hangul and CJK glyphs for Korean titles and captions (scenes/theme.py fallback_font).
APT_PACKAGES=(libcairo2-dev libpango1.0-dev pkg-config fonts-dejavu-core fonts-nanum chromium)
TORCH_PIN="torch==2.13.0"
VENV=.venv
STAMP="$VENV/.torchreel-installed"

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

# Reinstall only when the dependency declaration changed since the last successful install.
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
    echo "setup: installing CPU torch and the project into $VENV"
    pip_args=(--quiet --disable-pip-version-check)
    # The CPU wheel on disk; with it installed first, the project's torch pin installs nothing more.
    [ -d /opt/wheels ] && pip_args+=(--find-links /opt/wheels)
    "$VENV/bin/python" -m pip install "${pip_args[@]}" "$TORCH_PIN"
    "$VENV/bin/python" -m pip install "${pip_args[@]}" -e ".[dev,voice,cluster,pages]"
    "$VENV/bin/python" - <<'PY'
import torch
assert "cpu" in torch.__version__ or not torch.version.cuda, f"CUDA torch installed: {torch.__version__}"
PY
    echo "$want" > "$STAMP"
fi

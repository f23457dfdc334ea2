# Shared by run.sh and test.sh: a virtualenv with the pinned requirements, and the
# environment Reflex needs on a machine that reaches only the package registries.
# shellcheck shell=bash

export REFLEX_USE_NPM=1                 # bun's installer needs the open internet
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false
export PIP_DISABLE_PIP_VERSION_CHECK=1

# ensure_venv REQUIREMENT_FILE...: create .venv with Python >= 3.11 and install the files,
# reinstalling only when one of them changed since the last install. A file named
# *-nodeps.txt is installed without its packages' own dependencies (pinned in the others).
ensure_venv() {
    local python="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "Todo needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
            exit 1
        fi
        echo "==> creating .venv"
        "$python" -m venv .venv
    fi
    # shellcheck disable=SC1091
    . .venv/bin/activate
    local stamp=".venv/.installed-$(echo "$*" | tr ' /' '__')"
    local want
    want=$(cat "$@" | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "==> installing $*"
        python -m pip install -q --upgrade pip
        local args=() bare=()
        for f in "$@"; do
            case "$f" in
                *-nodeps.txt) bare+=(-r "$f") ;;  # their dependencies are pinned in the others
                *) args+=(-r "$f") ;;
            esac
        done
        python -m pip install -q "${args[@]}"
        if [ ${#bare[@]} -gt 0 ]; then python -m pip install -q --no-deps "${bare[@]}"; fi
        echo "$want" > "$stamp"
    fi
}

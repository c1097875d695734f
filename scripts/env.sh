# Sourced by the project's scripts: shared build settings.
# ccache keeps its cache under the user's cache directory so later builds on this machine reuse it.
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
SLUICE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SLUICE_ROOT
SLUICE_JOBS="${SLUICE_JOBS:-$(nproc)}"
export SLUICE_JOBS

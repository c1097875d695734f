# Sourced by the project's scripts: shared build settings.
# ccache keeps its cache under the user's cache directory so later builds on this machine reuse it.
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
SLUICE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SLUICE_ROOT
# Every CI run builds a fresh clone in a new directory: hash paths relative to the checkout (and
# not the build directory), so a clone elsewhere still hits the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$SLUICE_ROOT}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
SLUICE_JOBS="${SLUICE_JOBS:-$(nproc)}"
export SLUICE_JOBS

# Use ccache when it is installed. Its directory is chosen by scripts/env.sh (under the user's
# cache directory) so later builds on the same machine reuse it.
find_program(SLUICE_CCACHE ccache)
if(SLUICE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER "${SLUICE_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${SLUICE_CCACHE}")
  message(STATUS "Sluice: compiling through ${SLUICE_CCACHE}")
endif()

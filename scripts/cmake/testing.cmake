# sluice_add_test(NAME <name> SOURCES <files...> LIBS <targets...> LABEL <unit|integration|e2e|fuzz>
#                 [TIMEOUT <seconds>])
# Builds one GoogleTest binary and registers each of its tests with ctest under the given label,
# so `ctest -L unit` runs one group.
include(GoogleTest)
function(sluice_add_test)
  cmake_parse_arguments(ARG "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_LABEL)
    message(FATAL_ERROR "sluice_add_test(${ARG_NAME}): LABEL is required")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  sluice_target_warnings(${ARG_NAME})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/tests")
  gtest_discover_tests(${ARG_NAME}
    TEST_PREFIX "${ARG_NAME}."
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT}
               ENVIRONMENT "SLUICE_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()

# Project code compiles with -Wall -Wextra and no warnings. sluice_target_warnings() applies them
# to one target, so third-party headers pulled in as SYSTEM stay out of the count.
function(sluice_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
  if(SLUICE_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

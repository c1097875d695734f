# sluice_add_plugin(): builds a Sluice plugin shared object and writes its manifest beside it.
# Used in the Sluice tree and, installed with the SDK, by third parties (find_package(Sluice)).
#
#   sluice_add_plugin(NAME <name> KIND <sink|filter|translator> SOURCES <files...>
#                     [VERSION <x.y.z>] [LIBRARIES <targets...>] [OUTPUT_DIRECTORY <dir>]
#                     [ABI_HEADER <path to sluice/plugin_abi.h>])
#
# Produces <dir>/<name>.so and <dir>/<name>.plugin.toml. The library is built with hidden
# visibility and a linker version script, so it exports only the ABI entry symbol. The manifest
# records what the code was compiled against (ABI major/minor read from the header, platform, a
# build id) so the host can refuse an incompatible plugin before loading it.
include_guard(GLOBAL)

# The platform string host and plugins compare: "<system>-<processor>", lower case.
function(sluice_platform_string out_var)
  string(TOLOWER "${CMAKE_SYSTEM_NAME}-${CMAKE_SYSTEM_PROCESSOR}" platform)
  set(${out_var} "${platform}" PARENT_SCOPE)
endfunction()

function(sluice_add_plugin)
  cmake_parse_arguments(ARG "" "NAME;KIND;VERSION;OUTPUT_DIRECTORY;ABI_HEADER"
                        "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_KIND OR NOT ARG_SOURCES)
    message(FATAL_ERROR "sluice_add_plugin: NAME, KIND and SOURCES are required")
  endif()
  if(NOT ARG_NAME MATCHES "^[a-z0-9][a-z0-9_.-]*$")
    message(FATAL_ERROR "sluice_add_plugin: name '${ARG_NAME}' must be lower-case letters, digits, '_', '-', '.'")
  endif()
  if(NOT ARG_KIND MATCHES "^(sink|filter|translator)$")
    message(FATAL_ERROR "sluice_add_plugin(${ARG_NAME}): KIND must be sink, filter or translator")
  endif()
  if(NOT ARG_VERSION)
    set(ARG_VERSION "${PROJECT_VERSION}")
    if(NOT ARG_VERSION)
      set(ARG_VERSION "0.0.0")
    endif()
  endif()
  if(NOT ARG_OUTPUT_DIRECTORY)
    if(DEFINED SLUICE_PLUGIN_OUTPUT_DIRECTORY)
      set(ARG_OUTPUT_DIRECTORY "${SLUICE_PLUGIN_OUTPUT_DIRECTORY}")
    else()
      set(ARG_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/plugins")
    endif()
  endif()
  if(NOT ARG_ABI_HEADER)
    set(ARG_ABI_HEADER "${SLUICE_PLUGIN_ABI_HEADER}")
  endif()
  if(NOT EXISTS "${ARG_ABI_HEADER}")
    message(FATAL_ERROR "sluice_add_plugin(${ARG_NAME}): ABI header '${ARG_ABI_HEADER}' not found")
  endif()
  file(STRINGS "${ARG_ABI_HEADER}" major_line REGEX "^#define SLUICE_ABI_VERSION_MAJOR [0-9]+")
  file(STRINGS "${ARG_ABI_HEADER}" minor_line REGEX "^#define SLUICE_ABI_VERSION_MINOR [0-9]+")
  string(REGEX REPLACE ".* ([0-9]+)$" "\\1" abi_major "${major_line}")
  string(REGEX REPLACE ".* ([0-9]+)$" "\\1" abi_minor "${minor_line}")
  get_filename_component(abi_include_dir "${ARG_ABI_HEADER}" DIRECTORY)
  get_filename_component(abi_include_dir "${abi_include_dir}" DIRECTORY)

  set(target "sluice_plugin_${ARG_NAME}")
  string(REPLACE "-" "_" target "${target}")
  string(REPLACE "." "_" target "${target}")
  add_library(${target} MODULE ${ARG_SOURCES})
  # The ABI header this plugin is compiled against comes first, so a plugin can be built
  # against a frozen older header.
  target_include_directories(${target} BEFORE PRIVATE "${abi_include_dir}")
  target_link_libraries(${target} PRIVATE Sluice::sdk ${ARG_LIBRARIES})
  # The same name and version the manifest records, for the registration macro, so the two never
  # drift: SLUICE_SINK_PLUGIN(MySink, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION, ...).
  target_compile_definitions(${target} PRIVATE SLUICE_PLUGIN_NAME="${ARG_NAME}"
                                               SLUICE_PLUGIN_VERSION="${ARG_VERSION}")
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${ARG_NAME}"
    SUFFIX ".so"
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  set(version_script "${CMAKE_CURRENT_BINARY_DIR}/${target}.exports.map")
  file(WRITE "${version_script}" "{\n  global: sluice_plugin_entry_v${abi_major};\n  local: *;\n};\n")
  target_link_options(${target} PRIVATE "LINKER:--version-script=${version_script}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${version_script}")

  sluice_platform_string(platform)
  string(TIMESTAMP build_time "%Y-%m-%dT%H:%M:%SZ" UTC)
  string(UUID build_id NAMESPACE 6ba7b811-9dad-11d1-80b4-00c04fd430c8
         NAME "${ARG_NAME}-${ARG_VERSION}-${build_time}" TYPE SHA1)
  file(GENERATE OUTPUT "${ARG_OUTPUT_DIRECTORY}/${ARG_NAME}.plugin.toml" CONTENT
"# Sluice plugin manifest: read by the host before it loads ${ARG_NAME}.so.
name = \"${ARG_NAME}\"
kind = \"${ARG_KIND}\"
version = \"${ARG_VERSION}\"
abi_major = ${abi_major}
abi_minor = ${abi_minor}
platform = \"${platform}\"
build_id = \"${build_id}\"
library = \"${ARG_NAME}.so\"
")
  set_property(TARGET ${target} PROPERTY SLUICE_PLUGIN_MANIFEST
               "${ARG_OUTPUT_DIRECTORY}/${ARG_NAME}.plugin.toml")
endfunction()

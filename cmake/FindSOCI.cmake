# FindSOCI: Debian ships SOCI 4.0.3 without a CMake package config, so we locate it here.
#
# Provides imported targets SOCI::soci_core and SOCI::soci_<component> (e.g. SOCI::soci_odbc)
# and the variables SOCI_FOUND, SOCI_INCLUDE_DIR, SOCI_VERSION.
find_path(SOCI_INCLUDE_DIR NAMES soci/soci.h)
find_library(SOCI_CORE_LIBRARY NAMES soci_core)

if(SOCI_INCLUDE_DIR AND EXISTS "${SOCI_INCLUDE_DIR}/soci/version.h")
  file(STRINGS "${SOCI_INCLUDE_DIR}/soci/version.h" _soci_ver REGEX "#define SOCI_LIB_VERSION ")
  string(REGEX MATCH "\"([0-9_]+)\"" _m "${_soci_ver}")
  string(REPLACE "_" "." SOCI_VERSION "${CMAKE_MATCH_1}")
endif()

set(_soci_required SOCI_CORE_LIBRARY SOCI_INCLUDE_DIR)
foreach(_comp IN LISTS SOCI_FIND_COMPONENTS)
  find_library(SOCI_${_comp}_LIBRARY NAMES soci_${_comp})
  if(SOCI_${_comp}_LIBRARY)
    set(SOCI_${_comp}_FOUND TRUE)
  endif()
  if(SOCI_FIND_REQUIRED_${_comp})
    list(APPEND _soci_required SOCI_${_comp}_LIBRARY)
  endif()
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SOCI REQUIRED_VARS ${_soci_required} VERSION_VAR SOCI_VERSION
  HANDLE_COMPONENTS)

if(SOCI_FOUND AND NOT TARGET SOCI::soci_core)
  add_library(SOCI::soci_core UNKNOWN IMPORTED)
  set_target_properties(SOCI::soci_core PROPERTIES
    IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}")
endif()
foreach(_comp IN LISTS SOCI_FIND_COMPONENTS)
  if(SOCI_${_comp}_FOUND AND NOT TARGET SOCI::soci_${_comp})
    add_library(SOCI::soci_${_comp} UNKNOWN IMPORTED)
    set_target_properties(SOCI::soci_${_comp} PROPERTIES
      IMPORTED_LOCATION "${SOCI_${_comp}_LIBRARY}"
      INTERFACE_LINK_LIBRARIES SOCI::soci_core)
  endif()
endforeach()
mark_as_advanced(SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY)

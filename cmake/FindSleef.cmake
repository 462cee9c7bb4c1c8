# Finds libsleef (Debian: libsleef-dev) and defines nejit::Sleef.
find_path(SLEEF_INCLUDE_DIR sleef.h)
find_library(SLEEF_LIBRARY NAMES sleef)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Sleef DEFAULT_MSG SLEEF_LIBRARY SLEEF_INCLUDE_DIR)
if(Sleef_FOUND AND NOT TARGET nejit::Sleef)
  add_library(nejit::Sleef UNKNOWN IMPORTED)
  set_target_properties(nejit::Sleef PROPERTIES
    IMPORTED_LOCATION ${SLEEF_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${SLEEF_INCLUDE_DIR})
endif()

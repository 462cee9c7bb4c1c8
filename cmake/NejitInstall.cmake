# Installs nejit for C++ users: the public header, the static library,
# nejit-dis, and a CMake package so that another project can write
#   find_package(nejit CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE nejit::nejit)
# (The Python wheel installs only the extension module; see pyproject.toml.)
include(CMakePackageConfigHelpers)

set(NEJIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/nejit)

install(TARGETS nejit EXPORT nejitTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/nejit
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(NEJIT_BUILD_TOOLS)
  install(TARGETS nejit-dis RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT nejitTargets NAMESPACE nejit:: DESTINATION ${NEJIT_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/nejitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/nejitConfig.cmake INSTALL_DESTINATION ${NEJIT_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nejitConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/nejitConfig.cmake
  ${PROJECT_BINARY_DIR}/nejitConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/NejitDependencies.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindSleef.cmake
  DESTINATION ${NEJIT_CMAKE_DIR})

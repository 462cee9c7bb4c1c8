# Finds nejit's dependencies and wraps each in one imported target:
#   nejit::LLVM    the shared libLLVM-19, or with NEJIT_LLVM_STATIC=ON (the
#                  wheel) the static archives of the components nejit uses;
#                  never both: linking both registers LLVM's options twice
#                  and aborts at start-up
#   nejit::Sleef   libsleef
#   nejit::OpenMP  LLVM's libomp (fork-safe, unlike libgomp)
#   fmt::fmt
# Used by nejit's own build and, installed beside nejitConfig.cmake, by
# projects that find_package(nejit): the static library needs them at link.
include_guard(GLOBAL)

# LLVMConfigVersion.cmake accepts only a matching major.minor ("19" alone is
# rejected as 19.0), so ask for 19.1: the Debian llvm-19 packages ship 19.1.x.
list(APPEND CMAKE_MODULE_PATH ${CMAKE_CURRENT_LIST_DIR})
find_package(LLVM 19.1 REQUIRED CONFIG
  HINTS /usr/lib/llvm-19/lib/cmake/llvm /usr/lib/llvm-19)
message(STATUS "nejit: LLVM ${LLVM_PACKAGE_VERSION} from ${LLVM_DIR}")

# Shared libLLVM (129 MB, and through it libz3, libxml2, libicu, libedit,
# libffi, libzstd) links fast, which suits the dev build and its dozens of
# test binaries. A wheel turns NEJIT_LLVM_STATIC on: only the components
# below, from llvm-19-dev's static archives, garbage-collected at link time
# and hidden inside the extension (bindings/python/CMakeLists.txt).
# An installed nejitConfig.cmake sets it to what the library was built with.
if(NOT DEFINED NEJIT_LLVM_STATIC)
  option(NEJIT_LLVM_STATIC
    "Link LLVM's static component archives instead of the shared libLLVM" OFF)
endif()
# What nejit calls: ORC LLJIT over JITLink, the new pass manager's
# PassBuilder (Passes pulls in the optimization pipelines), IR linking, and
# the X86 back end with its assembly printer (`-emit=asm`) and parser.
set(NEJIT_LLVM_COMPONENTS core support orcjit jitlink passes linker
  x86codegen x86asmparser x86desc x86info)
add_library(nejit::LLVM INTERFACE IMPORTED)
target_include_directories(nejit::LLVM SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(nejit::LLVM INTERFACE ${LLVM_DEFINITIONS_LIST})
if(NEJIT_LLVM_STATIC)
  # llvm-config lists the archives in dependency order. LLVM's exported
  # CMake targets are not used: their link interface names the shared
  # libz3 and libzstd, which a wheel must not depend on.
  find_program(NEJIT_LLVM_CONFIG NAMES llvm-config
    HINTS ${LLVM_TOOLS_BINARY_DIR} NO_DEFAULT_PATH REQUIRED)
  execute_process(
    COMMAND ${NEJIT_LLVM_CONFIG} --link-static --libfiles ${NEJIT_LLVM_COMPONENTS}
    OUTPUT_VARIABLE NEJIT_LLVM_ARCHIVES OUTPUT_STRIP_TRAILING_WHITESPACE
    COMMAND_ERROR_IS_FATAL ANY)
  separate_arguments(NEJIT_LLVM_ARCHIVES UNIX_COMMAND "${NEJIT_LLVM_ARCHIVES}")
  # Debian's LLVM is built with zlib and zstd (compressed debug sections in
  # object files): take their static archives too, so that no libz/libzstd
  # dependency is left. libz3 (only LLVMSupport's Z3Solver, which nejit never
  # reaches) and libxml2 (WindowsManifest) are not linked at all.
  find_library(NEJIT_LIBZSTD_STATIC NAMES libzstd.a REQUIRED)
  find_library(NEJIT_LIBZ_STATIC NAMES libz.a REQUIRED)
  target_link_libraries(nejit::LLVM INTERFACE ${NEJIT_LLVM_ARCHIVES}
    ${NEJIT_LIBZSTD_STATIC} ${NEJIT_LIBZ_STATIC} rt dl m pthread)
  list(LENGTH NEJIT_LLVM_ARCHIVES _nejit_n)
  message(STATUS "nejit: LLVM static, ${_nejit_n} archives (${NEJIT_LLVM_COMPONENTS})")
else()
  find_library(NEJIT_LIBLLVM NAMES LLVM-19 LLVM
    HINTS ${LLVM_LIBRARY_DIR} NO_DEFAULT_PATH REQUIRED)
  target_link_libraries(nejit::LLVM INTERFACE ${NEJIT_LIBLLVM})
endif()
separate_arguments(NEJIT_LLVM_DEFS NATIVE_COMMAND "${LLVM_DEFINITIONS}")
target_compile_options(nejit::LLVM INTERFACE ${NEJIT_LLVM_DEFS})
set(NEJIT_LLVM_TOOLS_DIR ${LLVM_TOOLS_BINARY_DIR})

find_package(Sleef REQUIRED)
find_package(fmt REQUIRED)

# GCC compiles `#pragma omp` against the GOMP ABI, which LLVM's libomp
# implements; so compile with -fopenmp and link libomp instead of libgomp.
find_library(NEJIT_LIBOMP NAMES omp omp5
  HINTS ${LLVM_LIBRARY_DIR} /usr/lib/llvm-19/lib NO_DEFAULT_PATH REQUIRED)
add_library(nejit::OpenMP INTERFACE IMPORTED)
target_compile_options(nejit::OpenMP INTERFACE -fopenmp)
target_link_libraries(nejit::OpenMP INTERFACE ${NEJIT_LIBOMP})
get_filename_component(NEJIT_LIBOMP_DIR ${NEJIT_LIBOMP} DIRECTORY)
message(STATUS "nejit: OpenMP runtime ${NEJIT_LIBOMP}")

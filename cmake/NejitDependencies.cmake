# Finds nejit's dependencies and wraps each in one imported target:
#   nejit::LLVM    the shared libLLVM-19 (never the static components: linking
#                  both registers LLVM's options twice and aborts at start-up)
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

find_library(NEJIT_LIBLLVM NAMES LLVM-19 LLVM
  HINTS ${LLVM_LIBRARY_DIR} NO_DEFAULT_PATH REQUIRED)
add_library(nejit::LLVM INTERFACE IMPORTED)
target_include_directories(nejit::LLVM SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(nejit::LLVM INTERFACE ${LLVM_DEFINITIONS_LIST})
target_link_libraries(nejit::LLVM INTERFACE ${NEJIT_LIBLLVM})
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

# Sanitizer and fuzzing builds (docs/reliability.md; scripts/sanitizers.sh and
# scripts/fuzz.sh configure them in their own build directories):
#   NEJIT_SANITIZE=address,undefined   ASan + UBSan over everything nejit
#                                      compiles (library, tools, unit tests,
#                                      the Python module)
#   NEJIT_SANITIZE=thread              TSan
#   NEJIT_FUZZ=ON                      libFuzzer targets in test/fuzz (clang
#                                      only): coverage instrumentation for
#                                      the library, -fsanitize=fuzzer for the
#                                      target itself
# Every UBSan report aborts (-fno-sanitize-recover), so a test that triggers
# one fails. LLVM, Sleef, libomp and the JIT's generated code are not
# instrumented; ASan still sees their heap use through its allocator.
include_guard(GLOBAL)

set(NEJIT_SANITIZE "" CACHE STRING
    "Sanitizers for -fsanitize= (e.g. address,undefined or thread); empty: none")
option(NEJIT_FUZZ "Build the libFuzzer targets in test/fuzz (needs clang)" OFF)

if(NEJIT_SANITIZE)
  message(STATUS "nejit: sanitizers ${NEJIT_SANITIZE}")
  add_compile_options(-fsanitize=${NEJIT_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang" AND NEJIT_SANITIZE MATCHES "undefined")
    # -fsanitize=function checks a signature word in front of every callee
    # reached through a function pointer: JIT kernels and libomp's outlined
    # regions have none (and the word before a kernel may not be mapped).
    add_compile_options(-fno-sanitize=function)
  endif()
  add_link_options(-fsanitize=${NEJIT_SANITIZE})
endif()

if(NEJIT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "NEJIT_FUZZ needs clang (libFuzzer); configure with "
                        "-DCMAKE_CXX_COMPILER=clang++-19 (see scripts/fuzz.sh)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

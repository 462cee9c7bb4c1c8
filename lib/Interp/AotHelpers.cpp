//===- Interp/AotHelpers.cpp - lib/Runtime's helpers for the AOT kernels --===//
/// \file
/// The block kernels call lib/Runtime's C helpers (complex inverse functions)
/// under the names nejit-blockgen gives them, nejit_aot_*; these forward to
/// the helpers' addresses from codegen::runtimeHelpers(), so that both tiers
/// run the one definition.
//===----------------------------------------------------------------------===//
#include "CodeGen/CodeGen.h"

#include <cstring>

namespace {
using ComplexUnary = void (*)(double, double, double *);

/// The helper named Name ("nejit_c_arcsin", ...), looked up once.
ComplexUnary helper(const char *Name) {
  for (const auto &[N, Address] : nejit::codegen::runtimeHelpers())
    if (std::strcmp(N, Name) == 0)
      return reinterpret_cast<ComplexUnary>(Address);
  return nullptr;
}
} // namespace

#define NEJIT_AOT_COMPLEX_UNARY(Name)                                          \
  extern "C" __attribute__((visibility("hidden"))) void nejit_aot_c_##Name(    \
      double Re, double Im, double *Out) {                                     \
    static const ComplexUnary Fn = helper("nejit_c_" #Name);                   \
    Fn(Re, Im, Out);                                                           \
  }

NEJIT_AOT_COMPLEX_UNARY(arcsin)
NEJIT_AOT_COMPLEX_UNARY(arccos)
NEJIT_AOT_COMPLEX_UNARY(arctan)
NEJIT_AOT_COMPLEX_UNARY(arcsinh)
NEJIT_AOT_COMPLEX_UNARY(arccosh)
NEJIT_AOT_COMPLEX_UNARY(arctanh)
#undef NEJIT_AOT_COMPLEX_UNARY

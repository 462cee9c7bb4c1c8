//===- Runtime/Helpers.cpp - C functions generated code calls -------------===//
/// \file
/// Strings compare as numpy compares fixed-width bytes: as if the shorter
/// were padded with NULs. The complex inverse functions (arcsin ... arctanh),
/// which have no vector formula in CodeGen/ComplexMath.cpp, follow C99
/// Annex G through std::complex, as numpy's results do; they run per lane.
//===----------------------------------------------------------------------===//
#include "Runtime/Helpers.h"
#include "Runtime/LibmFunctions.h"
#include "CodeGen/CodeGen.h"
#include "JIT/Engine.h"

#include <complex>
#include <cstdint>
#include <cstring>
#include <mutex>

using Complex = std::complex<double>;

extern "C" {

static int32_t nejit_rt_bytes_compare(const char *A, int64_t LA, const char *B,
                                      int64_t LB) {
  int64_t N = LA < LB ? LA : LB;
  int C = std::memcmp(A, B, (size_t)N);
  if (C != 0)
    return C < 0 ? -1 : 1;
  // The longer one is greater only if its extra bytes are not all NUL.
  const char *Rest = LA > LB ? A : B;
  for (int64_t I = N; I < (LA > LB ? LA : LB); ++I)
    if (Rest[I] != 0)
      return LA > LB ? 1 : -1;
  return 0;
}

static int32_t nejit_rt_bytes_contains(const char *Hay, int64_t LH,
                                       const char *Needle, int64_t LN) {
  // Trailing NULs are padding, not content.
  while (LH > 0 && Hay[LH - 1] == 0)
    --LH;
  while (LN > 0 && Needle[LN - 1] == 0)
    --LN;
  if (LN == 0)
    return 1;
  for (int64_t I = 0; I + LN <= LH; ++I)
    if (std::memcmp(Hay + I, Needle, (size_t)LN) == 0)
      return 1;
  return 0;
}

#define NEJIT_COMPLEX_UNARY(Name, Expr)                                        \
  static void nejit_c_##Name(double Re, double Im, double *Out) {              \
    Complex Z(Re, Im);                                                         \
    Complex R = (Expr);                                                        \
    Out[0] = R.real();                                                         \
    Out[1] = R.imag();                                                         \
  }

NEJIT_COMPLEX_UNARY(arcsin, std::asin(Z))
NEJIT_COMPLEX_UNARY(arccos, std::acos(Z))
NEJIT_COMPLEX_UNARY(arctan, std::atan(Z))
NEJIT_COMPLEX_UNARY(arcsinh, std::asinh(Z))
NEJIT_COMPLEX_UNARY(arccosh, std::acosh(Z))
NEJIT_COMPLEX_UNARY(arctanh, std::atanh(Z))
#undef NEJIT_COMPLEX_UNARY

} // extern "C"

namespace nejit::runtime {

void registerHelpers() {
  static std::once_flag Once;
  std::call_once(Once, [] {
    for (const auto &[Name, Address] : codegen::runtimeHelpers())
      jit::registerHelperSymbol(Name, Address);
  });
}

} // namespace nejit::runtime

namespace nejit::codegen {

std::vector<std::pair<const char *, void *>> runtimeHelpers() {
  std::vector<std::pair<const char *, void *>> All = {
      {"nejit_rt_bytes_compare", (void *)&nejit_rt_bytes_compare},
      {"nejit_rt_bytes_contains", (void *)&nejit_rt_bytes_contains},
      {"nejit_c_arcsin", (void *)&nejit_c_arcsin},
      {"nejit_c_arccos", (void *)&nejit_c_arccos},
      {"nejit_c_arctan", (void *)&nejit_c_arctan},
      {"nejit_c_arcsinh", (void *)&nejit_c_arcsinh},
      {"nejit_c_arccosh", (void *)&nejit_c_arccosh},
      {"nejit_c_arctanh", (void *)&nejit_c_arctanh},
  };
  for (const auto &Entry : runtime::libmHelpers())
    All.push_back(Entry);
  return All;
}

} // namespace nejit::codegen

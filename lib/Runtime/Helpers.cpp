//===- Runtime/Helpers.cpp - C functions generated code calls -------------===//
/// \file
/// Strings compare as numpy compares fixed-width bytes: as if the shorter
/// were padded with NULs. The complex functions follow C99 Annex G through
/// std::complex, which is what numpy's results follow too.
//===----------------------------------------------------------------------===//
#include "Runtime/Helpers.h"
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

NEJIT_COMPLEX_UNARY(sqrt, std::sqrt(Z))
NEJIT_COMPLEX_UNARY(exp, std::exp(Z))
NEJIT_COMPLEX_UNARY(log, std::log(Z))
NEJIT_COMPLEX_UNARY(log10, std::log10(Z))
NEJIT_COMPLEX_UNARY(log2, std::log(Z) / std::log(2.0))
NEJIT_COMPLEX_UNARY(log1p, std::log(Complex(1.0) + Z))
NEJIT_COMPLEX_UNARY(expm1, Complex(std::expm1(Z.real()) * std::cos(Z.imag()) -
                                       2 * std::sin(Z.imag() / 2) *
                                           std::sin(Z.imag() / 2),
                                   std::exp(Z.real()) * std::sin(Z.imag())))
NEJIT_COMPLEX_UNARY(sin, std::sin(Z))
NEJIT_COMPLEX_UNARY(cos, std::cos(Z))
NEJIT_COMPLEX_UNARY(tan, std::tan(Z))
NEJIT_COMPLEX_UNARY(sinh, std::sinh(Z))
NEJIT_COMPLEX_UNARY(cosh, std::cosh(Z))
NEJIT_COMPLEX_UNARY(tanh, std::tanh(Z))
NEJIT_COMPLEX_UNARY(arcsin, std::asin(Z))
NEJIT_COMPLEX_UNARY(arccos, std::acos(Z))
NEJIT_COMPLEX_UNARY(arctan, std::atan(Z))
NEJIT_COMPLEX_UNARY(arcsinh, std::asinh(Z))
NEJIT_COMPLEX_UNARY(arccosh, std::acosh(Z))
NEJIT_COMPLEX_UNARY(arctanh, std::atanh(Z))
#undef NEJIT_COMPLEX_UNARY

static void nejit_c_pow(double ARe, double AIm, double BRe, double BIm,
                        double *Out) {
  Complex A(ARe, AIm), B(BRe, BIm), R;
  if (BRe == 0 && BIm == 0)
    R = Complex(1.0, 0.0);
  else if (ARe == 0 && AIm == 0)
    R = (BRe > 0 && BIm == 0) ? Complex(0.0, 0.0) : Complex(NAN, NAN);
  else if (BIm == 0 && BRe == (double)(int64_t)BRe && BRe >= -100 &&
           BRe <= 100) {
    // Integral powers by repeated multiplication, as numpy does.
    int64_t N = (int64_t)BRe;
    Complex P = A, Acc(1.0, 0.0);
    for (int64_t K = N < 0 ? -N : N; K > 0; K >>= 1) {
      if (K & 1)
        Acc *= P;
      P *= P;
    }
    R = N < 0 ? Complex(1.0, 0.0) / Acc : Acc;
  } else
    R = std::pow(A, B);
  Out[0] = R.real();
  Out[1] = R.imag();
}

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
  return {
      {"nejit_rt_bytes_compare", (void *)&nejit_rt_bytes_compare},
      {"nejit_rt_bytes_contains", (void *)&nejit_rt_bytes_contains},
      {"nejit_c_sqrt", (void *)&nejit_c_sqrt},
      {"nejit_c_exp", (void *)&nejit_c_exp},
      {"nejit_c_log", (void *)&nejit_c_log},
      {"nejit_c_log10", (void *)&nejit_c_log10},
      {"nejit_c_log2", (void *)&nejit_c_log2},
      {"nejit_c_log1p", (void *)&nejit_c_log1p},
      {"nejit_c_expm1", (void *)&nejit_c_expm1},
      {"nejit_c_sin", (void *)&nejit_c_sin},
      {"nejit_c_cos", (void *)&nejit_c_cos},
      {"nejit_c_tan", (void *)&nejit_c_tan},
      {"nejit_c_sinh", (void *)&nejit_c_sinh},
      {"nejit_c_cosh", (void *)&nejit_c_cosh},
      {"nejit_c_tanh", (void *)&nejit_c_tanh},
      {"nejit_c_arcsin", (void *)&nejit_c_arcsin},
      {"nejit_c_arccos", (void *)&nejit_c_arccos},
      {"nejit_c_arctan", (void *)&nejit_c_arctan},
      {"nejit_c_arcsinh", (void *)&nejit_c_arcsinh},
      {"nejit_c_arccosh", (void *)&nejit_c_arccosh},
      {"nejit_c_arctanh", (void *)&nejit_c_arctanh},
      {"nejit_c_pow", (void *)&nejit_c_pow},
  };
}

} // namespace nejit::codegen

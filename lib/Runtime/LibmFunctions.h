//===- Runtime/LibmFunctions.h - The libm backend's C functions -*- C++ -*-===//
/// \file
/// What the libm math backend calls: the C library's scalar functions under
/// names of our own (nejit_libm_sin -> sin, nejit_libm_sinf -> sinf, ...),
/// and numexpr 2.14.2's complex functions written over them
/// (nejit_ne_c_sin, ...). Generated code never names a libm function
/// directly: LLVM knows those names and would rewrite the calls (pow(2, x)
/// into exp2(x), pow(x, 0.5) into sqrt(x), constant folding with its own
/// rounding), and the results would no longer be the C library's.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_RUNTIME_LIBMFUNCTIONS_H
#define NEJIT_RUNTIME_LIBMFUNCTIONS_H

#include <utility>
#include <vector>

namespace nejit::runtime {

/// (symbol, address) of every libm-backend function: "nejit_libm_" + the C
/// library's name for the real ones, "nejit_ne_c_" + numexpr's operation
/// name for the complex ones.
std::vector<std::pair<const char *, void *>> libmHelpers();

} // namespace nejit::runtime

#endif // NEJIT_RUNTIME_LIBMFUNCTIONS_H

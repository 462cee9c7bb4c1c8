//===- Sema/Extensions.cpp - The kinds of nejit's own reductions ----------===//
/// \file
/// Beyond numexpr: the result kind of every reduction nejit accepts. Where
/// numexpr has the reduction for a kind (sum, prod, min, max of int32,
/// int64, float32, float64 and, for sum and prod, complex) its kind stays;
/// elsewhere the kind is numpy's: sum and prod of bool give int64, min and
/// max of bool give bool, mean of bool or an integer float64 (of float32
/// float32, of complex complex128), var and std of complex float64, any
/// and all bool.
//===----------------------------------------------------------------------===//
#include "Sema/SemaInternal.h"

namespace nejit {
namespace sema {

bool isReductionName(const std::string &Name) {
  static const char *const Names[] = {"sum", "prod", "min", "max", "mean",
                                      "std", "var",  "any", "all"};
  for (const char *N : Names)
    if (Name == N)
      return true;
  return false;
}

std::optional<DType> reductionKind(const std::string &Name, DType Arg) {
  if (Arg == DType::Bytes)
    return std::nullopt;
  bool Integral =
      Arg == DType::Bool || Arg == DType::Int32 || Arg == DType::Int64;
  if (Name == "any" || Name == "all")
    return DType::Bool;
  if (Name == "mean")
    return Integral ? DType::Float64 : Arg;
  if (Name == "var" || Name == "std")
    return Integral || Arg == DType::Complex128 ? DType::Float64 : Arg;
  if (Name == "sum" || Name == "prod")
    return Arg == DType::Bool ? DType::Int64 : Arg;
  if (Name == "min" || Name == "max")
    return Arg == DType::Complex128 ? std::nullopt : std::optional<DType>(Arg);
  return std::nullopt;
}

} // namespace sema
} // namespace nejit

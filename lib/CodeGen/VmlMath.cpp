//===- CodeGen/VmlMath.cpp - The VML table --------------------------------===//
/// \file
/// Coverage checked against oneMKL 2026.2's mkl_vml_functions.h: every real
/// function nejit has exists as vms*/vmd*; complex (vmz*) lacks Expm1,
/// Log1p, Log2, Atan2 and Hypot, which nejit's own formulas keep, as they
/// keep complex tan, tanh and pow (special values, below).
//===----------------------------------------------------------------------===//
#include "CodeGen/VmlMath.h"

#include "Runtime/Vml.h"

namespace nejit::codegen {

namespace {
struct Entry {
  ir::Opcode Op;
  const char *Name; ///< VML's base name
  bool Real;        ///< vms/vmd exist (and nejit uses them)
  bool Complex;     ///< vmz exists
};

using ir::Opcode;
const Entry Table[] = {
    {Opcode::Sin, "Sin", true, true},
    {Opcode::Cos, "Cos", true, true},
    // vmzTan/vmzTanh give NaN+NaN*i for tan(inf+0i) and tanh(0+inf*i),
    // where C99 Annex G (and numpy) have NaN+0i and 0+NaN*i: nejit's own
    // complex formulas keep those.
    {Opcode::Tan, "Tan", true, false},
    {Opcode::Arcsin, "Asin", true, true},
    {Opcode::Arccos, "Acos", true, true},
    {Opcode::Arctan, "Atan", true, true},
    {Opcode::Arctan2, "Atan2", true, false},
    {Opcode::Sinh, "Sinh", true, true},
    {Opcode::Cosh, "Cosh", true, true},
    {Opcode::Tanh, "Tanh", true, false},
    {Opcode::Arcsinh, "Asinh", true, true},
    {Opcode::Arccosh, "Acosh", true, true},
    {Opcode::Arctanh, "Atanh", true, true},
    {Opcode::Exp, "Exp", true, true},
    {Opcode::Expm1, "Expm1", true, false},
    {Opcode::Log, "Ln", true, true},
    {Opcode::Log10, "Log10", true, true},
    {Opcode::Log1p, "Log1p", true, false},
    {Opcode::Log2, "Log2", true, false},
    // Real sqrt is the exactly rounded vsqrtpd already; only complex sqrt
    // has something to gain.
    {Opcode::Sqrt, "Sqrt", false, true},
    // vmzPow has 0**0 = NaN and 0**-1 = inf+NaN*i; numexpr's complex **
    // gives 1 and 0 (nejit's kernel rule), so complex pow stays nejit's.
    {Opcode::Pow, "Pow", true, false},
    {Opcode::Hypot, "Hypot", true, false},
};

const Entry *find(Opcode Op) {
  for (const Entry &E : Table)
    if (E.Op == Op)
      return &E;
  return nullptr;
}
} // namespace

std::optional<std::string> vmlFunction(Opcode Op, DType Type) {
  const Entry *E = find(Op);
  if (!E)
    return std::nullopt;
  switch (Type) {
  case DType::Float32:
    return E->Real ? std::optional<std::string>(std::string("vms") + E->Name)
                   : std::nullopt;
  case DType::Float64:
    return E->Real ? std::optional<std::string>(std::string("vmd") + E->Name)
                   : std::nullopt;
  case DType::Complex128:
    return E->Complex ? std::optional<std::string>(std::string("vmz") + E->Name)
                      : std::nullopt;
  default:
    return std::nullopt;
  }
}

int64_t vmlMode(Accuracy Acc) {
  int64_t Mode = Acc == Accuracy::High  ? runtime::VmlModeHA
                 : Acc == Accuracy::Low ? runtime::VmlModeLA
                                        : runtime::VmlModeEP;
  return Mode | runtime::VmlErrModeIgnore;
}

bool vmlPreferred(Opcode Op, DType Type, Accuracy Acc, bool IntelCpu) {
  if (!vmlFunction(Op, Type))
    return false;
  // Off Intel CPUs MKL runs its generic code path: 1.5-4x slower than
  // Sleef for every function measured (docs/performance.md). On Intel,
  // issue 13's measurements (sin, exp on 1e7 float64) put VML HA at Sleef
  // u10's speed with <= 0.62 ulp and LA/EP faster than anything Sleef has;
  // complex functions were not measured there and keep nejit's formulas.
  return IntelCpu && Type != DType::Complex128;
}

bool callsVmlFunction(const ir::Function &F) {
  for (const ir::Inst &I : F.Insts)
    if (vmlFunction(I.Op, I.Type))
      return true;
  return false;
}

} // namespace nejit::codegen

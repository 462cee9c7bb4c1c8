//===- CodeGen/EmitLibm.cpp - The libm backend's calls --------------------===//
/// \file
/// MathBackend::Libm: every transcendental function is a call per lane to
/// the C library's scalar function numexpr 2.14.2 calls for that operation
/// and type (sin for float64, sinf for float32), and every complex function
/// a call per lane to numexpr's formula (lib/Runtime/LibmFunctions.cpp).
/// The calls go to names of our own that the JIT maps to libm's addresses:
/// LLVM treats calls to "sin" or "pow" as library calls it may fold or
/// rewrite (pow(2, x) into exp2(x)), which would change bits.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

Value *KernelEmitter::emitLibmCall(const Inst &I, Value *X, Value *Y) {
  // Sleef's base names are libm's (asin, atan2, log1p, pow, fmod, ...).
  StringRef Base = sleefBaseName(I.Op);
  if (Base.empty()) {
    Failure = std::string("floating operation '") + ir::opcodeName(I.Op) +
              "' has no libm function";
    return UndefValue::get(X->getType());
  }
  bool F32 = I.Type == DType::Float32;
  std::string Name = ("nejit_libm_" + Base + (F32 ? "f" : "")).str();
  Type *S = scalarType(I.Type);
  SmallVector<Value *, 2> Args{X};
  if (Y)
    Args.push_back(Y);
  SmallVector<Type *, 2> Params(Args.size(), S);
  FunctionCallee Fn = declare(Name, S, Params);
  if (auto *Decl = dyn_cast<Function>(Fn.getCallee()))
    Decl->setDoesNotAccessMemory(); // errno is not observed
  return perLane(Args, [&](ArrayRef<Value *> L) {
    return (Value *)B.CreateCall(Fn, L);
  });
}

/// numexpr's complex function for Op (lib/Runtime/LibmFunctions.cpp), or
/// null for an operation that is arithmetic in numexpr too.
static const char *numexprComplexHelper(Opcode Op) {
  static const std::pair<Opcode, const char *> Helpers[] = {
      {Opcode::Sqrt, "nejit_ne_c_sqrt"},
      {Opcode::Log, "nejit_ne_c_log"},
      {Opcode::Log1p, "nejit_ne_c_log1p"},
      {Opcode::Log10, "nejit_ne_c_log10"},
      {Opcode::Log2, "nejit_ne_c_log2"},
      {Opcode::Exp, "nejit_ne_c_exp"},
      {Opcode::Expm1, "nejit_ne_c_expm1"},
      {Opcode::Sin, "nejit_ne_c_sin"},
      {Opcode::Cos, "nejit_ne_c_cos"},
      {Opcode::Tan, "nejit_ne_c_tan"},
      {Opcode::Sinh, "nejit_ne_c_sinh"},
      {Opcode::Cosh, "nejit_ne_c_cosh"},
      {Opcode::Tanh, "nejit_ne_c_tanh"},
      {Opcode::Arcsin, "nejit_ne_c_arcsin"},
      {Opcode::Arccos, "nejit_ne_c_arccos"},
      {Opcode::Arctan, "nejit_ne_c_arctan"},
      {Opcode::Arcsinh, "nejit_ne_c_arcsinh"},
      {Opcode::Arccosh, "nejit_ne_c_arccosh"},
      {Opcode::Arctanh, "nejit_ne_c_arctanh"},
      {Opcode::Abs, "nejit_ne_c_absolute"},
      {Opcode::Sign, "nejit_ne_c_sign"},
      {Opcode::Pow, "nejit_ne_c_pow"}};
  for (const auto &[O, Name] : Helpers)
    if (O == Op)
      return Name;
  return nullptr;
}

std::optional<Val> KernelEmitter::emitLibmComplex(const Inst &I) {
  const char *Name = numexprComplexHelper(I.Op);
  if (!Name)
    return std::nullopt;
  SmallVector<Val, 2> Args;
  for (int Operand : I.Operands)
    Args.push_back(get(Operand));
  return emitComplexHelper(Name, Args);
}

} // namespace nejit::codegen

//===- Transforms/ConstantFold.cpp - Fold all-constant operations ---------===//
/// \file
/// Only folds what has one exact IEEE answer (casts, + - * /, comparisons,
/// negation), so that folding never changes a result against the unfolded
/// kernel. Transcendentals are left to the generated code (Sleef's answer
/// may differ from libm's by an ULP).
//===----------------------------------------------------------------------===//
#include "Transforms/Passes.h"

#include <cmath>

namespace nejit::transforms {

using ir::Inst;
using ir::Opcode;
using ir::Scalar;

static std::optional<Scalar> fold(const Inst &I, const ir::Function &F) {
  std::vector<const Scalar *> Ops;
  for (int O : I.Operands) {
    if (F.Insts[O].Op != Opcode::Const)
      return std::nullopt;
    Ops.push_back(&F.Insts[O].Value);
  }
  if (I.Type == DType::Bytes)
    return std::nullopt;
  switch (I.Op) {
  case Opcode::Cast:
    if (Ops[0]->Type == DType::Bytes)
      return std::nullopt;
    return Ops[0]->castTo(I.Type);
  case Opcode::Neg:
    if (I.Type == DType::Float32 || I.Type == DType::Float64)
      return Scalar::ofFloat(I.Type, -Ops[0]->F);
    return std::nullopt;
  case Opcode::Add:
  case Opcode::Sub:
  case Opcode::Mul:
  case Opcode::Div: {
    if (I.Type != DType::Float32 && I.Type != DType::Float64)
      return std::nullopt;
    double A = Ops[0]->F, B = Ops[1]->F, R;
    if (I.Type == DType::Float32) {
      float X = (float)A, Y = (float)B;
      R = I.Op == Opcode::Add   ? X + Y
          : I.Op == Opcode::Sub ? X - Y
          : I.Op == Opcode::Mul ? X * Y
                                : X / Y;
    } else {
      R = I.Op == Opcode::Add   ? A + B
          : I.Op == Opcode::Sub ? A - B
          : I.Op == Opcode::Mul ? A * B
                                : A / B;
    }
    return Scalar::ofFloat(I.Type, R);
  }
  case Opcode::Gt:
  case Opcode::Ge:
  case Opcode::Eq:
  case Opcode::Ne: {
    DType T = Ops[0]->Type;
    if (T == DType::Complex128 || T == DType::Bytes)
      return std::nullopt;
    double A = T == DType::Bool                           ? Ops[0]->B
               : (T == DType::Int32 || T == DType::Int64) ? (double)Ops[0]->I
                                                          : Ops[0]->F;
    double B = T == DType::Bool                           ? Ops[1]->B
               : (T == DType::Int32 || T == DType::Int64) ? (double)Ops[1]->I
                                                          : Ops[1]->F;
    if ((T == DType::Int64) && (std::fabs(A) > 9e15 || std::fabs(B) > 9e15))
      return std::nullopt; // would lose precision through double
    bool R = I.Op == Opcode::Gt   ? A > B
             : I.Op == Opcode::Ge ? A >= B
             : I.Op == Opcode::Eq ? A == B
                                  : A != B;
    return Scalar::ofBool(R);
  }
  default:
    return std::nullopt;
  }
}

void foldConstants(ir::Function &F) {
  for (Inst &I : F.Insts) {
    if (I.Op == Opcode::Const || I.Op == Opcode::Input ||
        ir::isReduction(I.Op) || I.Operands.empty())
      continue;
    if (auto V = fold(I, F)) {
      I.Op = Opcode::Const;
      I.Value = *V;
      I.Operands.clear();
    }
  }
}

} // namespace nejit::transforms

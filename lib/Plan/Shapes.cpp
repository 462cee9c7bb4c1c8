//===- Plan/Shapes.cpp - numpy's shapes of a program's values -------------===//
/// \file
/// Run-time shape inference: one walk over the instructions in order.
//===----------------------------------------------------------------------===//
#include "Plan/Shapes.h"

namespace nejit::plan {

std::string shapeString(llvm::ArrayRef<int64_t> S) {
  std::string Out = "(";
  for (size_t D = 0; D < S.size(); ++D)
    Out += (D ? "," : "") + std::to_string(S[D]);
  return Out + (S.size() == 1 ? ",)" : ")");
}

std::optional<Shape> broadcastShapes(llvm::ArrayRef<int64_t> A,
                                     llvm::ArrayRef<int64_t> B) {
  size_t N = std::max(A.size(), B.size());
  Shape R(N, 1);
  for (size_t K = 0; K < N; ++K) {
    int64_t X = K < A.size() ? A[A.size() - 1 - K] : 1;
    int64_t Y = K < B.size() ? B[B.size() - 1 - K] : 1;
    if (X != Y && X != 1 && Y != 1)
      return std::nullopt;
    R[N - 1 - K] = X == 1 ? Y : X;
  }
  return R;
}

Expected<llvm::SmallVector<bool, 6>> reducedDims(const ir::Inst &I, int NDim) {
  llvm::SmallVector<bool, 6> Reduced(NDim, !I.Axis);
  if (!I.Axis)
    return Reduced;
  int Axis = *I.Axis;
  // A 0-d operand has one element: axis 0 (or -1) reduces it, as numexpr.
  int Rank = std::max(NDim, 1);
  if (Axis < -Rank || Axis >= Rank)
    return makeError(ErrorKind::Value, I.Loc,
                     "axis " + std::to_string(Axis) +
                         " is out of bounds for array of dimension " +
                         std::to_string(NDim));
  if (NDim > 0)
    Reduced[Axis < 0 ? Axis + NDim : Axis] = true;
  return Reduced;
}

Expected<std::vector<Shape>> inferShapes(const ir::Function &F,
                                         llvm::ArrayRef<Shape> InputShapes) {
  std::vector<Shape> S(F.Insts.size());
  for (size_t Id = 0; Id < F.Insts.size(); ++Id) {
    const ir::Inst &I = F.Insts[Id];
    if (I.Op == ir::Opcode::Input) {
      S[Id] = InputShapes[I.InputIndex];
      continue;
    }
    if (I.Op == ir::Opcode::Const)
      continue;
    if (ir::isReduction(I.Op)) {
      const Shape &Of = S[I.Operands[0]];
      auto Reduced = reducedDims(I, (int)Of.size());
      if (!Reduced)
        return Reduced.takeError();
      for (size_t D = 0; D < Of.size(); ++D)
        if (!(*Reduced)[D])
          S[Id].push_back(Of[D]);
        else if (I.KeepDims)
          S[Id].push_back(1);
      continue;
    }
    Shape R = S[I.Operands[0]];
    for (size_t K = 1; K < I.Operands.size(); ++K) {
      auto B = broadcastShapes(R, S[I.Operands[K]]);
      if (!B) {
        std::string Shapes;
        for (int O : I.Operands)
          Shapes += " " + shapeString(S[O]);
        return makeError(ErrorKind::Value, I.Loc,
                         "operands could not be broadcast together with "
                         "shapes" +
                             Shapes);
      }
      R = std::move(*B);
    }
    S[Id] = std::move(R);
  }
  return S;
}

} // namespace nejit::plan

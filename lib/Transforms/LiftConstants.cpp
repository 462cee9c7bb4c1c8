//===- Transforms/LiftConstants.cpp - Constants become kernel operands ----===//
/// \file
/// Moves the constants left in an optimized kernel out of its body into
/// run-time operands, so that expressions differing only in their literals
/// share one machine-code kernel. Runs after the pipeline, on the copy of
/// the IR that CodeGen and the JIT cache key see: Sema and the passes have
/// already used every value that decides a type or a folding.
///
/// A lifted constant becomes an input with a broadcast layout (stride 0):
/// CodeGen loads it once before the loop and splats it, which computes the
/// same IEEE operations as an inlined constant. Values stay inline where
/// LLVM would specialize the code on them, so that lifting changes neither
/// a result bit nor the speed of such kernels:
///  - byte strings and booleans (a where() with a known condition drops an
///    arm; there are only two booleans anyway);
///  - integer divisors (a division by a known constant is a multiply) and
///    shift counts and integer exponents (they unroll or fold the range
///    checks of numexpr's semantics);
///  - NaN and complex infinities, and operations of constants only (LLVM
///    folds them, with other NaNs than the hardware makes); the constants
///    of maximum, minimum, copysign and fmod (LLVM lowers those differently
///    around a known operand: signed zeros, NaN signs); and constants that
///    a sign operation can reach (see InlineAnalysis).
/// Signaling NaN inputs are the one exception to bit-identity: LLVM folds
/// x * 1.0 to x, which keeps them signaling where the hardware quiets them.
//===----------------------------------------------------------------------===//
#include "Transforms/Passes.h"

#include <cmath>

namespace nejit::transforms {

using ir::Inst;
using ir::Opcode;
using ir::Scalar;

static bool isFloatOrComplex(DType T) {
  return T == DType::Float32 || T == DType::Float64 || T == DType::Complex128;
}

/// Whether P holds for the value (for complex: for either part).
template <typename Pred> static bool anyPart(const Scalar &V, Pred P) {
  if (V.Type == DType::Complex128)
    return P(V.C.real()) || P(V.C.imag());
  return P(V.F);
}

static bool isMinusOne(double V) { return V == -1.0; }
static bool isZero(double V) { return V == 0.0; }
static bool isMinusZero(double V) { return V == 0.0 && std::signbit(V); }

namespace {

/// Decides which constants stay inline.
///
/// The subtle part is the sign of NaN results. LLVM treats it as
/// unspecified and InstCombine moves sign operations (fneg, and what
/// becomes one: x * -1.0, -0.0 - x, copysign by a constant) through
/// multiplications, divisions, casts and identities (x + -0.0) until a
/// constant absorbs them: -x * c becomes x * -c, and a NaN x then comes out
/// with its own sign rather than the flipped one. A lifted constant cannot
/// absorb anything, so such constants stay inline. The instructions a sign
/// can travel through form clusters (union-find); a cluster holding a sign
/// operation keeps the constants its members use, and those of the
/// additions next to it (fsub (fneg x), c becomes fsub -c, x).
class InlineAnalysis {
public:
  explicit InlineAnalysis(const ir::Function &F)
      : F(F), Parent(F.Insts.size()), Signed(F.Insts.size(), false) {
    for (size_t Id = 0; Id < F.Insts.size(); ++Id)
      Parent[Id] = (int)Id;
    for (size_t Id = 0; Id < F.Insts.size(); ++Id) {
      if (!isMember((int)Id))
        continue;
      for (int O : F.Insts[Id].Operands)
        if (isMember(O))
          unite((int)Id, O);
    }
    for (size_t Id = 0; Id < F.Insts.size(); ++Id)
      if (isMember((int)Id) && isSignSource((int)Id))
        Signed[find((int)Id)] = true;
  }

  /// Whether the constant operand K of instruction U stays inline.
  bool keepsOperand(int U, size_t K) const;

  /// Whether LLVM folds U, all of whose operands are constants or
  /// selections between constants (c * where(m, c1, c2) is
  /// where(m, c * c1, c * c2)), with other NaNs than the hardware makes.
  bool isFolded(int U) const {
    const Inst &I = inst(U);
    if (I.Operands.empty() || I.Op == Opcode::Where || I.Op == Opcode::Copy)
      return false;
    for (int O : I.Operands)
      if (!isConstLike(O))
        return false;
    return true;
  }
  /// Marks the constants a folded operand is made of.
  void markLeaves(int Id, std::vector<bool> &Inline) const {
    if (isConst(Id)) {
      Inline[Id] = true;
      return;
    }
    const Inst &I = inst(Id);
    for (size_t K = I.Op == Opcode::Where ? 1 : 0; K < I.Operands.size(); ++K)
      markLeaves(I.Operands[K], Inline);
  }

private:
  const ir::Function &F;
  mutable std::vector<int> Parent;
  std::vector<bool> Signed; ///< per cluster root

  const Inst &inst(int Id) const { return F.Insts[Id]; }
  bool isConst(int Id) const { return inst(Id).Op == Opcode::Const; }
  bool isConstLike(int Id, int Depth = 0) const {
    const Inst &I = inst(Id);
    if (I.Op == Opcode::Const)
      return true;
    if (Depth > 8)
      return false;
    if (I.Op == Opcode::Copy)
      return isConstLike(I.Operands[0], Depth + 1);
    return I.Op == Opcode::Where && isConstLike(I.Operands[1], Depth + 1) &&
           isConstLike(I.Operands[2], Depth + 1);
  }
  /// Whether some constant operand of I has a part satisfying P.
  template <typename Pred> bool constOperand(const Inst &I, Pred P) const {
    for (int O : I.Operands)
      if (isConst(O) && anyPart(inst(O).Value, P))
        return true;
    return false;
  }

  int find(int X) const {
    while (Parent[X] != X)
      X = Parent[X] = Parent[Parent[X]];
    return X;
  }
  void unite(int A, int B) { Parent[find(A)] = find(B); }
  bool inSignedCluster(int Id) const {
    return isMember(Id) && Signed[find(Id)];
  }

  /// An instruction a sign operation moves through (or is).
  bool isMember(int Id) const {
    const Inst &I = inst(Id);
    if (!isFloatOrComplex(I.Type))
      return false;
    switch (I.Op) {
    case Opcode::Mul:
    case Opcode::Div:
    case Opcode::FloorDiv:
    case Opcode::Mod:
    case Opcode::Neg:
    case Opcode::Conj:
    case Opcode::Copy:
    case Opcode::Copysign:
      return true;
    case Opcode::Cast: // fpext, fptrunc, or into a complex real part
      return isFloatOrComplex(inst(I.Operands[0]).Type);
    case Opcode::Where: // select (fneg x), c is fneg (select x, -c)
      return isConst(I.Operands[1]) || isConst(I.Operands[2]);
    case Opcode::Add: // x + -0.0 is x, and so may be x + 0.0
    case Opcode::Sub: // x - 0.0 is x; -0.0 - x is fneg x
      return constOperand(I, isZero);
    default:
      return false;
    }
  }

  /// An instruction that is, or becomes, a sign operation.
  bool isSignSource(int Id) const {
    const Inst &I = inst(Id);
    switch (I.Op) {
    case Opcode::Neg:
    case Opcode::Conj:
      return true;
    case Opcode::Copysign:
      return isConst(I.Operands[1]);
    case Opcode::Mul:
    case Opcode::Div:
    case Opcode::FloorDiv:
      return constOperand(I, isMinusOne);
    case Opcode::Mod: // a - floor(a / b) * b
      return constOperand(I, isMinusOne) ||
             (isConst(I.Operands[0]) &&
              anyPart(inst(I.Operands[0]).Value, isMinusZero));
    case Opcode::Sub:
      return isConst(I.Operands[0]) &&
             anyPart(inst(I.Operands[0]).Value, isMinusZero);
    default:
      return false;
    }
  }
};

bool InlineAnalysis::keepsOperand(int UId, size_t K) const {
  const Inst &U = inst(UId);
  const Inst &C = inst(U.Operands[K]);
  if (C.Type == DType::Bool || C.Type == DType::Bytes)
    return true; // two values only; strings stay with their helpers
  if (C.Type == DType::Int32 || C.Type == DType::Int64) {
    // Division by a known value is a multiply; known shift counts and
    // exponents drop numexpr's range checks or unroll.
    switch (U.Op) {
    case Opcode::Div:
    case Opcode::FloorDiv:
    case Opcode::Mod:
    case Opcode::Pow:
    case Opcode::Shl:
    case Opcode::Shr:
      return K == 1;
    default:
      return false;
    }
  }
  // NaN: LLVM folds x + NaN to the constant, the hardware picks the NaN
  // operand that comes first. A complex infinity meets CodeGen's own
  // zeros (the imaginary part of a real cast to complex) in products that
  // LLVM folds to NaN: positive, where the hardware's default NaN is
  // negative.
  if (anyPart(C.Value, [](double V) { return std::isnan(V); }) ||
      (C.Type == DType::Complex128 &&
       anyPart(C.Value, [](double V) { return std::isinf(V); })))
    return true;
  switch (U.Op) {
  case Opcode::Maximum:
  case Opcode::Minimum:  // maxnum(x, c) lowers differently: signed zeros
  case Opcode::Clip:     // maxnum/minnum too
  case Opcode::Copysign: // becomes fabs or fneg
  case Opcode::Fmod:     // a power-of-2 divisor becomes arithmetic
    return true;
  default:
    break;
  }
  if (inSignedCluster(UId))
    return true;
  if (U.Op == Opcode::Add || U.Op == Opcode::Sub)
    for (int O : U.Operands)
      if (inSignedCluster(O))
        return true;
  return false;
}

} // namespace

/// At most this many constants become parameters (the first ones; the rest
/// stay inline). Each is a value live across the whole loop: with hundreds,
/// register allocation spills them and compiles 2-4x slower (1000 terms
/// with 2000 literals: 0.6 s inline, 2.2 s all lifted). An expression with
/// so many literals is rarely re-run with only their values changed.
constexpr size_t MaxParams = 32;

std::vector<Scalar> liftConstants(ir::Function &F) {
  InlineAnalysis A(F);
  std::vector<bool> Inline(F.Insts.size(), false);
  for (size_t Id = 0; Id < F.Insts.size(); ++Id) {
    const Inst &I = F.Insts[Id];
    if (I.Op == Opcode::Const &&
        (I.Type == DType::Bool || I.Type == DType::Bytes))
      Inline[Id] = true;
    for (size_t K = 0; K < I.Operands.size(); ++K)
      if (F.Insts[I.Operands[K]].Op == Opcode::Const &&
          A.keepsOperand((int)Id, K))
        Inline[I.Operands[K]] = true;
    // An operation of constants only is folded by LLVM (NaNs again).
    if (A.isFolded((int)Id))
      A.markLeaves((int)Id, Inline);
  }
  // The result itself may be a constant: lifting it is exact.
  std::vector<Scalar> Values;
  for (size_t Id = 0; Id < F.Insts.size(); ++Id) {
    Inst &I = F.Insts[Id];
    if (I.Op != Opcode::Const || Inline[Id] || Values.size() >= MaxParams)
      continue;
    Arg A;
    A.Name = "%p" + std::to_string(Values.size());
    A.Type = I.Type;
    I.Op = Opcode::Input;
    I.InputIndex = (int)F.Inputs.size();
    Values.push_back(std::move(I.Value));
    I.Value = Scalar();
    F.Inputs.push_back(std::move(A));
  }
  F.NumParams += (int)Values.size();
  return Values;
}

} // namespace nejit::transforms

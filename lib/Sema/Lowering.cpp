//===- Sema/Lowering.cpp - Kinded tree to typed IR ------------------------===//
/// \file
/// buildIR: builds the kinded tree, then gives every operation the numexpr
/// signature it finds, lowering the tree to an ir::Function with casts on the
/// operands that need them (constants are re-typed instead). The lowering
/// keeps its own stack and lowers each shared node once.
//===----------------------------------------------------------------------===//
#include "Sema/Sema.h"
#include "Sema/TreeBuilder.h"

#include <map>

namespace nejit {
namespace sema {

namespace {

class Lowering {
public:
  explicit Lowering(ir::Function &F) : F(F) {}

  /// Lowers the tree under Root in post-order with an explicit stack (a
  /// 10,000-term sum is a chain 10,000 deep). A node the kinded tree shares
  /// (power expansion reuses its squares) is lowered once: lowering it per
  /// use made `(((a**50)**50)**50)**50` 6,250,000 instructions.
  Expected<int> lower(const ENode &Root) {
    if (Root.K != ENode::Op)
      return leaf(Root);
    std::vector<Pending> Stack;
    if (auto E = start(Root, Stack))
      return E;
    int Result = -1;
    while (!Stack.empty()) {
      Pending &P = Stack.back();
      if (P.Done) {
        Result = P.DoneId;
        Stack.pop_back();
      } else if (P.NextKid == P.N->Kids.size()) {
        Result = finish(P);
        Stack.pop_back();
      } else {
        const ENode &Kid = *P.N->Kids[P.NextKid];
        auto Taken = takeKid(P, Kid);
        if (!Taken)
          return Taken.takeError();
        if (*Taken)
          continue;
        // An operation not lowered yet: its operand id arrives below.
        if (auto E = start(Kid, Stack))
          return E;
        continue;
      }
      if (!Stack.empty())
        addOperand(Stack.back(), Result);
    }
    return Result;
  }

  /// Every reduction lowered (numexpr allows one, as the outermost node).
  std::vector<const ENode *> Reductions;

private:
  ir::Function &F;
  std::map<int, int> InputInst;
  std::map<const ENode *, int> Lowered;

  /// An operation being lowered: its instruction so far and its next kid.
  struct Pending {
    const ENode *N;
    ir::Inst I{ir::Opcode::Const, DType::Bool};
    std::string Sig; ///< the typed signature found for N
    size_t NextKid = 0;
    bool Done = false; ///< lowered already (shared, or a folded reduction)
    int DoneId = -1;
  };

  Expected<int> leaf(const ENode &N) {
    switch (N.K) {
    case ENode::Var: {
      if (N.VarIndex < 0)
        return makeError(ErrorKind::Key, N.Loc,
                         "variable '" + sourceFragment(N.Name) +
                             "' is not defined");
      auto It = InputInst.find(N.VarIndex);
      if (It != InputInst.end())
        return It->second;
      ir::Inst I{ir::Opcode::Input, N.Type};
      I.InputIndex = N.VarIndex;
      I.ItemSize = F.Inputs[N.VarIndex].ItemSize;
      I.Loc = N.Loc;
      int Id = F.add(std::move(I));
      InputInst[N.VarIndex] = Id;
      return Id;
    }
    case ENode::Const:
      return constant(N.Value, N.Type, N.Loc);
    case ENode::Raw:
      return makeError(ErrorKind::Value, N.Loc, "misplaced axis argument");
    case ENode::Op:
      break;
    }
    return makeError(ErrorKind::Runtime, N.Loc,
                     "internal error: an operation lowered as a leaf");
  }

  Expected<int> constant(const PyConst &V, DType T, SourceLoc Loc) {
    if (V.N == Np::Array)
      return makeError(ErrorKind::Type, Loc,
                       "a numpy array made from constants (copy() or "
                       "ones_like() of a constant) cannot be part of an "
                       "expression");
    ir::Inst I{ir::Opcode::Const, T};
    if (V.T == PyConst::Int && (V.I > INT64_MAX || V.I < INT64_MIN)) {
      // numexpr converts a Python int to the constant's typed kind: beyond
      // int64 that works for floating kinds only (C long: OverflowError).
      if (T != DType::Float32 && T != DType::Float64 && T != DType::Complex128)
        return makeError(ErrorKind::Overflow, Loc,
                         "integer constant too large for int64");
      I.Value = T == DType::Complex128
                    ? ir::Scalar::ofComplex({(double)V.I, 0.0})
                    : ir::Scalar::ofFloat(T, (double)V.I);
    } else {
      I.Value = V.toScalar(T);
    }
    if (T == DType::Bytes)
      I.ItemSize = (int64_t)V.S.size();
    I.Loc = Loc;
    return F.add(std::move(I));
  }

  /// Begins lowering the operation N: finds its typed signature and pushes
  /// it (already done when shared and lowered, or a reduction of a
  /// constant, which is the constant).
  llvm::Error start(const ENode &N, std::vector<Pending> &Stack) {
    Pending P;
    P.N = &N;
    auto Seen = Lowered.find(&N);
    if (Seen != Lowered.end()) {
      P.Done = true;
      P.DoneId = Seen->second;
      Stack.push_back(std::move(P));
      return llvm::Error::success();
    }
    std::string Base;
    for (const auto &K : N.Kids)
      Base += K->K == ENode::Raw ? 'n' : typecode(K->Type);
    char Ret = typecode(N.Type);
    auto Sig = findSignature(N.Name, Ret, Base);
    if (!Sig)
      return makeError(ErrorKind::NotImplemented, N.Loc,
                       "couldn't find matching opcode for '" + N.Name + "_" +
                           Ret + Base + "'");
    auto Op = opcodeFor(N.Name);
    if (!Op)
      return makeError(ErrorKind::NotImplemented, N.Loc,
                       "no IR operation for '" + N.Name + "'");
    P.Sig = *Sig;
    P.I = ir::Inst{*Op, N.Type};
    P.I.Loc = N.Loc;
    if (ir::isReduction(*Op)) {
      Reductions.push_back(&N);
      const ENode &Axis = *N.Kids[1];
      if (Axis.AxisNotInteger)
        return makeError(ErrorKind::Type, Axis.Loc,
                         "the axis of a reduction must be an integer");
      const ENode &Arg = *N.Kids[0];
      if (Arg.K == ENode::Const) {
        // A reduction of a constant: the result is 0-d, so any axis is out
        // of bounds; over all axes it is the constant itself.
        if (Axis.Axis)
          return makeError(ErrorKind::Value, Axis.Loc,
                           "axis " + std::to_string(*Axis.Axis) +
                               " is out of bounds for the 0-d result of a "
                               "constant expression");
        auto C = constant(Arg.Value, typeOfCode(P.Sig[0]), Arg.Loc);
        if (!C)
          return C.takeError();
        P.Done = true;
        P.DoneId = *C;
      }
    }
    Stack.push_back(std::move(P));
    return llvm::Error::success();
  }

  /// Takes P's next kid if it needs no lowering of its own (an axis, a
  /// re-typed constant, a leaf): true when taken.
  Expected<bool> takeKid(Pending &P, const ENode &Kid) {
    if (Kid.K == ENode::Raw) {
      P.I.Axis = Kid.Axis;
      ++P.NextKid;
      return true;
    }
    if (Kid.K == ENode::Op)
      return false;
    DType Want = typeOfCode(P.Sig[P.NextKid]);
    // numexpr recasts constants rather than emitting a cast.
    auto Id = Kid.K == ENode::Const && Kid.Type != Want
                  ? constant(Kid.Value, Want, Kid.Loc)
                  : leaf(Kid);
    if (!Id)
      return Id.takeError();
    if (Kid.K == ENode::Const && Kid.Type != Want) {
      P.I.Operands.push_back(*Id);
      ++P.NextKid;
    } else {
      addOperand(P, *Id);
    }
    return true;
  }

  /// Adds operand Id (of P's next kid) to P, cast to the signature's type.
  void addOperand(Pending &P, int Id) {
    const ENode &Kid = *P.N->Kids[P.NextKid];
    DType Want = typeOfCode(P.Sig[P.NextKid]);
    if (Kid.Type != Want) {
      ir::Inst C{ir::Opcode::Cast, Want};
      C.Operands = {Id};
      C.Loc = Kid.Loc;
      Id = F.add(std::move(C));
    }
    P.I.Operands.push_back(Id);
    ++P.NextKid;
  }

  int finish(Pending &P) {
    if (P.N->Type == DType::Bytes && !P.I.Operands.empty())
      P.I.ItemSize = F.Insts[P.I.Operands[0]].ItemSize;
    int Id = F.add(std::move(P.I));
    Lowered[P.N] = Id;
    return Id;
  }
};

} // namespace

} // namespace sema

Expected<ir::Function> buildIR(const AstNode &Root, const Signature &Sig,
                               Optimization Opt) {
  for (const Arg &A : Sig)
    if (A.Type == DType::Bytes && A.ItemSize <= 0)
      return makeError(ErrorKind::Value,
                       "bytes input '" + A.Name + "' needs an item size");
  sema::TreeBuilder B(Sig, Opt);
  auto Tree = B.build(Root);
  if (!Tree)
    return Tree.takeError();
  ir::Function F;
  F.Inputs = Sig;
  sema::Lowering L(F);
  auto Result = L.lower(**Tree);
  if (!Result)
    return Result.takeError();
  F.Result = *Result;
  for (const sema::ENode *R : L.Reductions)
    if (R != Tree->get())
      return makeError(ErrorKind::Runtime, R->Loc,
                       "invalid program: reduction operations must occur "
                       "last");
  if ((*Tree)->K == sema::ENode::Const && (*Tree)->Type == DType::Bytes)
    return makeError(ErrorKind::Value, (*Tree)->Loc,
                     "a bytes constant cannot be the result (its width is "
                     "not known)");
  return F;
}

} // namespace nejit

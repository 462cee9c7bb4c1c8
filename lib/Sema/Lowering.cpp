//===- Sema/Lowering.cpp - Kinded tree to typed IR ------------------------===//
/// \file
/// buildIR: builds the kinded tree, then gives every operation the numexpr
/// signature it finds, lowering the tree to an ir::Function with casts on the
/// operands that need them (constants are re-typed instead).
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

  Expected<int> lower(const ENode &N) {
    switch (N.K) {
    case ENode::Var: {
      if (N.VarIndex < 0)
        return makeError(ErrorKind::Key, N.Loc,
                         "variable '" + N.Name + "' is not defined");
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
      return lowerOp(N);
    }
    return -1;
  }

  /// Every reduction lowered (numexpr allows one, as the outermost node).
  std::vector<const ENode *> Reductions;

private:
  ir::Function &F;
  std::map<int, int> InputInst;

  Expected<int> constant(const PyConst &V, DType T, SourceLoc Loc) {
    if (V.N == Np::Array)
      return makeError(ErrorKind::Type, Loc,
                       "a numpy array made from constants (copy() or "
                       "ones_like() of a constant) cannot be part of an "
                       "expression");
    if (V.T == PyConst::Int && (V.I > INT64_MAX || V.I < INT64_MIN))
      return makeError(ErrorKind::Value, Loc,
                       "integer constant too large for int64");
    ir::Inst I{ir::Opcode::Const, T};
    I.Value = V.toScalar(T);
    if (T == DType::Bytes)
      I.ItemSize = (int64_t)V.S.size();
    I.Loc = Loc;
    return F.add(std::move(I));
  }

  Expected<int> lowerOp(const ENode &N) {
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
    ir::Inst I{*Op, N.Type};
    I.Loc = N.Loc;
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
        return constant(Arg.Value, typeOfCode((*Sig)[0]), Arg.Loc);
      }
    }
    for (size_t K = 0; K < N.Kids.size(); ++K) {
      const ENode &Kid = *N.Kids[K];
      if (Kid.K == ENode::Raw) {
        I.Axis = Kid.Axis;
        continue;
      }
      DType Want = typeOfCode((*Sig)[K]);
      int Id;
      if (Kid.K == ENode::Const && Kid.Type != Want) {
        // numexpr recasts constants rather than emitting a cast.
        auto C = constant(Kid.Value, Want, Kid.Loc);
        if (!C)
          return C;
        Id = *C;
      } else {
        auto Sub = lower(Kid);
        if (!Sub)
          return Sub;
        Id = *Sub;
        if (Kid.Type != Want) {
          ir::Inst C{ir::Opcode::Cast, Want};
          C.Operands = {Id};
          C.Loc = Kid.Loc;
          Id = F.add(std::move(C));
        }
      }
      I.Operands.push_back(Id);
    }
    if (N.Type == DType::Bytes && !I.Operands.empty())
      I.ItemSize = F.Insts[I.Operands[0]].ItemSize;
    return F.add(std::move(I));
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

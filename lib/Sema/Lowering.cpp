//===- Sema/Lowering.cpp - Kinded tree to typed IR ------------------------===//
/// \file
/// buildIR: builds the kinded tree, then gives every operation the numexpr
/// signature it finds, lowering the tree to an ir::Function with casts on the
/// operands that need them (constants are re-typed instead).
//===----------------------------------------------------------------------===//
#include "Sema/Sema.h"
#include "Sema/TreeBuilder.h"

#include <cmath>
#include <map>

namespace nejit {
namespace sema {

namespace {

class Lowering {
public:
  explicit Lowering(ir::Function &F) : F(F) {}

  /// Nodes lowered once however often they are read (a program's assigned
  /// values: without this a chain of temporaries would grow exponentially).
  std::map<const ENode *, int> Memo;
  void share(const ENode *N) { Memo.emplace(N, -1); }

  Expected<int> lower(const ENode &N) {
    auto It = Memo.find(&N);
    if (It == Memo.end())
      return lowerNode(N);
    if (It->second < 0) {
      auto Id = lowerNode(N);
      if (!Id)
        return Id;
      Memo[&N] = *Id;
    }
    return Memo[&N];
  }

  Expected<int> lowerNode(const ENode &N) {
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

  /// Kid lowered and converted to Want: numexpr recasts constants rather
  /// than emitting a cast.
  Expected<int> lowerAs(const ENode &Kid, DType Want) {
    if (Kid.K == ENode::Const && Kid.Type != Want)
      return constant(Kid.Value, Want, Kid.Loc);
    auto Sub = lower(Kid);
    if (!Sub || Kid.Type == Want)
      return Sub;
    return cast(*Sub, Want, Kid.Loc);
  }

  int cast(int Id, DType To, SourceLoc Loc) {
    if (F.Insts[Id].Type == To)
      return Id;
    ir::Inst C{ir::Opcode::Cast, To};
    C.Operands = {Id};
    C.Loc = Loc;
    return F.add(std::move(C));
  }

  Expected<int> lowerReduction(const ENode &N, ir::Opcode Op);
  /// nejit's rule for a reduction whose operand takes type Operand.
  Expected<int> lowerNejitReduction(const ENode &N, ir::Opcode Op,
                                    DType Operand);

  /// A reduction of a constant: the result is 0-d, so any axis is out of
  /// bounds; over all axes it is the constant's own value.
  Expected<int> reduceConstant(const ENode &N, ir::Opcode Op, DType Want);

  Expected<int> lowerOp(const ENode &N) {
    auto Op = opcodeFor(N.Name);
    if (Op && ir::isReduction(*Op))
      return lowerReduction(N, *Op);
    std::string Base;
    for (const auto &K : N.Kids)
      Base += K->K == ENode::Raw ? 'n' : typecode(K->Type);
    char Ret = typecode(N.Type);
    // clip is nejit's (numexpr has no signature for it): every operand
    // takes the kind of the whole.
    auto Sig = N.Name == "clip" ? std::optional<std::string>(
                                      std::string(N.Kids.size(), Ret))
                                : findSignature(N.Name, Ret, Base);
    if (!Sig)
      return makeError(ErrorKind::NotImplemented, N.Loc,
                       "couldn't find matching opcode for '" + N.Name + "_" +
                           Ret + Base + "'");
    if (!Op)
      return makeError(ErrorKind::NotImplemented, N.Loc,
                       "no IR operation for '" + N.Name + "'");
    ir::Inst I{*Op, N.Type};
    I.Loc = N.Loc;
    for (size_t K = 0; K < N.Kids.size(); ++K) {
      auto Id = lowerAs(*N.Kids[K], typeOfCode((*Sig)[K]));
      if (!Id)
        return Id;
      I.Operands.push_back(*Id);
    }
    if (N.Type == DType::Bytes && !I.Operands.empty())
      I.ItemSize = F.Insts[I.Operands[0]].ItemSize;
    return F.add(std::move(I));
  }
};

Expected<int> Lowering::reduceConstant(const ENode &N, ir::Opcode Op,
                                       DType Want) {
  const ENode &Axis = *N.Kids[1];
  const ENode &Arg = *N.Kids[0];
  if (Axis.Axis)
    return makeError(ErrorKind::Value, Axis.Loc,
                     "axis " + std::to_string(*Axis.Axis) +
                         " is out of bounds for the 0-d result of a "
                         "constant expression");
  PyConst V = Arg.Value;
  switch (Op) {
  case ir::Opcode::Any:
  case ir::Opcode::All:
    V = PyConst::ofBool(Arg.Value.truthy());
    break;
  case ir::Opcode::Var:
  case ir::Opcode::Std:
    // One element: M2 = 0 over max(1 - ddof, 0) (numpy's 0/0 is NaN).
    V = PyConst::ofFloat(Axis.Ddof < 1 ? 0.0 : NAN);
    break;
  default:
    break;
  }
  return constant(V, Want, Arg.Loc);
}

Expected<int> Lowering::lowerReduction(const ENode &N, ir::Opcode Op) {
  // numexpr's own reductions search numexpr's typed operations first; when
  // numexpr has none for the kind (a bool sum), nejit's rule applies, but
  // an expression that both reject gets numexpr's error.
  std::optional<std::string> NumexprProblem;
  DType A = N.Kids[0]->Type;
  DType Operand = A;
  if (ir::isNumexprReduction(Op)) {
    std::string Base{typecode(A), 'n'};
    char Ret = typecode(A); // numexpr's reductions keep their kind
    if (auto Sig = findSignature(N.Name, Ret, Base))
      Operand = typeOfCode((*Sig)[0]);
    else
      NumexprProblem = "couldn't find matching opcode for '" + N.Name + "_" +
                       Ret + Base + "'";
  }
  auto Id = lowerNejitReduction(N, Op, Operand);
  if (Id || !NumexprProblem)
    return Id;
  llvm::consumeError(Id.takeError());
  return makeError(ErrorKind::NotImplemented, N.Loc, *NumexprProblem);
}

Expected<int> Lowering::lowerNejitReduction(const ENode &N, ir::Opcode Op,
                                            DType Operand) {
  const ENode &Axis = *N.Kids[1];
  const ENode &Arg = *N.Kids[0];
  DType A = Arg.Type;
  if (Axis.AxisNotInteger)
    return makeError(ErrorKind::Type, Axis.Loc,
                     "the axis of a reduction must be an integer");
  if (!reductionKind(N.Name, A) ||
      (ir::isNumexprReduction(Op) && A == DType::Complex128 &&
       (Op == ir::Opcode::Min || Op == ir::Opcode::Max)))
    return makeError(ErrorKind::Type, N.Loc,
                     N.Name + "() is not defined for " +
                         (A == DType::Bytes ? "byte strings"
                                            : "complex numbers"));
  if (Arg.K == ENode::Const)
    return reduceConstant(N, Op, N.Type);

  // The operand as the reduction takes it (the accumulation type).
  switch (Op) {
  case ir::Opcode::Sum:
  case ir::Opcode::Prod:
    if (A == DType::Bool)
      Operand = DType::Int64; // numpy's: True + True is 2
    break;
  case ir::Opcode::Min:
  case ir::Opcode::Max:
    if (A == DType::Bool) // the minimum of booleans is their and
      Op = Op == ir::Opcode::Min ? ir::Opcode::All : ir::Opcode::Any;
    break;
  case ir::Opcode::Mean:
  case ir::Opcode::Var:
  case ir::Opcode::Std:
    // float64 accumulators (float32 data included); complex stays complex.
    Operand = A == DType::Complex128 ? A : DType::Float64;
    break;
  default:
    break;
  }
  auto Sub = lower(Arg);
  if (!Sub)
    return Sub;
  int Id = cast(*Sub, Operand, Arg.Loc);
  if ((Op == ir::Opcode::Any || Op == ir::Opcode::All) && A != DType::Bool) {
    // Truth of a number: x != 0 (a NaN is true, as in numpy).
    ir::Inst Zero{ir::Opcode::Const, A};
    Zero.Value = ir::Scalar::ofInt(DType::Int64, 0).castTo(A);
    Zero.Loc = Arg.Loc;
    ir::Inst Ne{ir::Opcode::Ne, DType::Bool};
    Ne.Operands = {Id, F.add(std::move(Zero))};
    Ne.Loc = Arg.Loc;
    Id = F.add(std::move(Ne));
  }
  DType Acc = F.Insts[Id].Type;
  DType Type = Op == ir::Opcode::Var || Op == ir::Opcode::Std ? DType::Float64
               : Op == ir::Opcode::Any || Op == ir::Opcode::All
                   ? DType::Bool
                   : Acc;
  ir::Inst I{Op, Type};
  I.Loc = N.Loc;
  I.Operands = {Id};
  I.Axis = Axis.Axis;
  I.KeepDims = Axis.KeepDims;
  I.Ddof = Axis.Ddof;
  return cast(F.add(std::move(I)), N.Type, N.Loc);
}

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
  if ((*Tree)->K == sema::ENode::Const && (*Tree)->Type == DType::Bytes)
    return makeError(ErrorKind::Value, (*Tree)->Loc,
                     "a bytes constant cannot be the result (its width is "
                     "not known)");
  return F;
}

Expected<ir::Function> buildProgramIR(const ProgramAst &P, const Signature &Sig,
                                      Optimization Opt) {
  if (P.isExpression())
    return buildIR(*P.Statements[0].Value, Sig, Opt);
  for (const Arg &A : Sig)
    if (A.Type == DType::Bytes && A.ItemSize <= 0)
      return makeError(ErrorKind::Value,
                       "bytes input '" + A.Name + "' needs an item size");
  std::map<std::string, sema::ENodePtr> Bound;
  std::vector<std::string> Names; // outputs, in order of first assignment
  sema::TreeBuilder B(Sig, Opt);
  B.setBindings(&Bound);
  sema::ENodePtr Last;
  for (const Statement &S : P.Statements) {
    auto Tree = B.build(*S.Value);
    if (!Tree)
      return Tree.takeError();
    Last = *Tree;
    if (S.Target.empty())
      continue;
    if (!Bound.count(S.Target))
      Names.push_back(S.Target);
    Bound[S.Target] = *Tree;
  }
  ir::Function F;
  F.Inputs = Sig;
  sema::Lowering L(F);
  for (const auto &[Name, Node] : Bound)
    L.share(Node.get());
  auto Result = [&](const sema::ENodePtr &N) -> Expected<int> {
    if (N->K == sema::ENode::Const && N->Type == DType::Bytes)
      return makeError(ErrorKind::Value, N->Loc,
                       "a bytes constant cannot be an output (its width is "
                       "not known)");
    return L.lower(*N);
  };
  if (P.Statements.back().Target.empty()) {
    auto Id = Result(Last);
    if (!Id)
      return Id.takeError();
    F.Result = *Id;
    return F;
  }
  for (const std::string &Name : Names) {
    auto Id = Result(Bound[Name]);
    if (!Id)
      return Id.takeError();
    F.Outputs.push_back(*Id);
    F.OutputNames.push_back(Name);
  }
  F.Result = F.Outputs[0];
  return F;
}

} // namespace nejit

//===- Sema/Lowering.cpp - Kinded tree to typed IR ------------------------===//
/// \file
/// buildIR: builds the kinded tree, then gives every operation the numexpr
/// signature it finds, lowering the tree to an ir::Function with casts on the
/// operands that need them (constants are re-typed instead). The lowering
/// keeps its own stack and lowers each shared node once (which also makes a
/// program's temporaries, read by several statements, one instruction).
/// Reductions are typed by numexpr's search where numexpr has them and by
/// reductionKind() where it does not (Sema/Extensions.cpp).
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
    auto Op = opcodeFor(N.Name);
    if (Op && ir::isReduction(*Op)) {
      if (auto E = startReduction(N, *Op, P))
        return E;
      Stack.push_back(std::move(P));
      return llvm::Error::success();
    }
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
    P.Sig = *Sig;
    P.I = ir::Inst{*Op, N.Type};
    P.I.Loc = N.Loc;
    Stack.push_back(std::move(P));
    return llvm::Error::success();
  }

  /// Types the reduction N (opcode Op) into P: the operand's type in
  /// P.Sig, or, for a reduction of a constant, its folded value.
  llvm::Error startReduction(const ENode &N, ir::Opcode Op, Pending &P);
  /// nejit's rule for the reduction N of an operand of type Operand.
  llvm::Error startNejitReduction(const ENode &N, ir::Opcode Op,
                                  DType Operand, Pending &P);
  /// A reduction of a constant: the result is 0-d, so any axis is out of
  /// bounds; over all axes it is the constant's own value.
  Expected<int> reduceConstant(const ENode &N, ir::Opcode Op);
  /// After its operand: any/all test it against 0, the reduction is added
  /// and cast to the kind of N.
  int finishReduction(Pending &P);

  /// Takes P's next kid if it needs no lowering of its own (an axis, a
  /// re-typed constant, a leaf): true when taken.
  Expected<bool> takeKid(Pending &P, const ENode &Kid) {
    if (Kid.K == ENode::Raw) {
      P.I.Axis = Kid.Axis;
      P.I.KeepDims = Kid.KeepDims;
      P.I.Ddof = Kid.Ddof;
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
    if (ir::isReduction(P.I.Op))
      return finishReduction(P);
    if (P.N->Type == DType::Bytes && !P.I.Operands.empty())
      P.I.ItemSize = F.Insts[P.I.Operands[0]].ItemSize;
    int Id = F.add(std::move(P.I));
    Lowered[P.N] = Id;
    return Id;
  }
};

llvm::Error Lowering::startReduction(const ENode &N, ir::Opcode Op,
                                     Pending &P) {
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
  llvm::Error E = startNejitReduction(N, Op, Operand, P);
  if (!E || !NumexprProblem)
    return E;
  llvm::consumeError(std::move(E));
  return makeError(ErrorKind::NotImplemented, N.Loc, *NumexprProblem);
}

llvm::Error Lowering::startNejitReduction(const ENode &N, ir::Opcode Op,
                                          DType Operand, Pending &P) {
  const ENode &Axis = *N.Kids[1];
  const ENode &Arg = *N.Kids[0];
  DType A = Arg.Type;
  if (Axis.AxisNotInteger)
    return makeError(ErrorKind::Type, Axis.Loc,
                     "the axis of a reduction must be an integer");
  if (!reductionKind(N.Name, A))
    return makeError(ErrorKind::Type, N.Loc,
                     N.Name + "() is not defined for " +
                         (A == DType::Bytes ? "byte strings"
                                            : "complex numbers"));
  if (Arg.K == ENode::Const) {
    auto C = reduceConstant(N, Op);
    if (!C)
      return C.takeError();
    P.Done = true;
    P.DoneId = *C;
    return llvm::Error::success();
  }
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
  P.Sig = std::string{typecode(Operand), 'n'};
  P.I = ir::Inst{Op, N.Type};
  P.I.Loc = N.Loc;
  return llvm::Error::success();
}

Expected<int> Lowering::reduceConstant(const ENode &N, ir::Opcode Op) {
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
  return constant(V, N.Type, Arg.Loc);
}

int Lowering::finishReduction(Pending &P) {
  ir::Inst I = std::move(P.I);
  int Id = I.Operands[0];
  DType A = F.Insts[Id].Type;
  if ((I.Op == ir::Opcode::Any || I.Op == ir::Opcode::All) &&
      A != DType::Bool) {
    // Truth of a number: x != 0 (a NaN is true, as in numpy).
    ir::Inst Zero{ir::Opcode::Const, A};
    Zero.Value = ir::Scalar::ofInt(DType::Int64, 0).castTo(A);
    Zero.Loc = I.Loc;
    ir::Inst Ne{ir::Opcode::Ne, DType::Bool};
    Ne.Operands = {Id, F.add(std::move(Zero))};
    Ne.Loc = I.Loc;
    I.Operands[0] = F.add(std::move(Ne));
    A = DType::Bool;
  }
  I.Type = I.Op == ir::Opcode::Var || I.Op == ir::Opcode::Std ? DType::Float64
           : I.Op == ir::Opcode::Any || I.Op == ir::Opcode::All
               ? DType::Bool
               : A;
  Id = F.add(std::move(I));
  if (F.Insts[Id].Type != P.N->Type) {
    ir::Inst C{ir::Opcode::Cast, P.N->Type};
    C.Operands = {Id};
    C.Loc = P.N->Loc;
    Id = F.add(std::move(C));
  }
  Lowered[P.N] = Id;
  return Id;
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
  sema::Lowering L(F); // lowers each node once, however often it is read
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

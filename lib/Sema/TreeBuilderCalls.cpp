//===- Sema/TreeBuilderCalls.cpp - Function calls and reductions ----------===//
/// \file
/// The kinded tree for calls: where(), contains(), numexpr's functions (folded
/// when every argument is a constant) and the sum/prod/min/max reductions.
/// A call's first argument is built by TreeBuilder::build's chain walk, after
/// the checks Python makes before evaluating it (callFirstOperand).
//===----------------------------------------------------------------------===//
#include "Sema/TreeBuilder.h"

namespace nejit {
namespace sema {

llvm::Error TreeBuilder::checkArity(const AstNode &N, size_t Want) {
  if (N.Args.size() == Want)
    return llvm::Error::success();
  // numexpr reports this as a missing typed operation.
  return makeError(ErrorKind::NotImplemented, N.Loc,
                   N.Text + "() takes " + std::to_string(Want) + " argument" +
                       (Want == 1 ? "" : "s") + " but " +
                       std::to_string(N.Args.size()) + " were given");
}

static bool isReduction(const std::string &Name) {
  return Name == "sum" || Name == "prod" || Name == "min" || Name == "max";
}

Expected<const AstNode *> TreeBuilder::callFirstOperand(const AstNode &N) {
  const std::string &Name = N.Text;
  bool IsReduction = isReduction(Name);
  if (!IsReduction && !N.Keywords.empty())
    return makeError(ErrorKind::Type, N.KeywordLocs[0],
                     Name + "() got an unexpected keyword argument '" +
                         sourceFragment(N.Keywords[0].first) + "'");
  if (IsReduction) {
    ReductionArgs R;
    if (auto E = reductionArgs(N, R))
      return E;
    return R.Arg;
  }
  if (Name == "where" || Name == "contains") {
    // Python functions of fixed arity: a wrong count is a TypeError.
    size_t Want = Name == "where" ? 3 : 2;
    if (N.Args.size() != Want)
      return makeError(ErrorKind::Type, N.Loc,
                       Name + "() takes " + std::to_string(Want) +
                           " arguments but " + std::to_string(N.Args.size()) +
                           " were given");
  } else if (!lookupFunction(Name)) {
    return makeError(ErrorKind::Type, N.Loc,
                     "unknown function '" + sourceFragment(Name) + "'");
  }
  return N.Args.empty() ? nullptr : N.Args[0].get();
}

Expected<ENodePtr> TreeBuilder::completeCall(const AstNode &N, ENodePtr First) {
  const std::string &Name = N.Text;
  if (isReduction(Name))
    return buildReduction(N, std::move(First));
  if (Name == "where")
    return buildWhere(N, std::move(First));
  if (Name == "contains")
    return buildContains(N, std::move(First));
  return buildFunction(N, *lookupFunction(Name), std::move(First));
}

Expected<std::vector<ENodePtr>> TreeBuilder::buildArgs(const AstNode &N,
                                                       ENodePtr First) {
  std::vector<ENodePtr> Args;
  if (First)
    Args.push_back(std::move(First));
  for (size_t I = Args.size(); I < N.Args.size(); ++I) {
    auto E = build(*N.Args[I]);
    if (!E)
      return E.takeError();
    Args.push_back(*E);
  }
  return Args;
}

Expected<ENodePtr> TreeBuilder::buildWhere(const AstNode &N, ENodePtr First) {
  auto BuiltArgs = buildArgs(N, std::move(First));
  if (!BuiltArgs)
    return BuiltArgs.takeError();
  std::vector<ENodePtr> &Args = *BuiltArgs;
  if (Args[0]->K == ENode::Const) {
    if (Args[0]->Value.N == Np::Array)
      return arrayOperand(Args[0]->Loc);
    ENodePtr Picked = Args[0]->Value.truthy() ? Args[1] : Args[2];
    if (Picked->K == ENode::Const && !Picked->Value.Boxed) {
      PyConst V = Picked->Value;
      V.Boxed = true; // where() wraps its arguments in ConstantNodes
      return makeConst(V, Picked->Loc);
    }
    return Picked;
  }
  for (const auto &A : Args)
    if (A->K == ENode::Const && A->Value.N == Np::Array)
      return arrayOperand(A->Loc);
  return makeOp("where", Args, N.Loc);
}

Expected<ENodePtr> TreeBuilder::buildContains(const AstNode &N,
                                              ENodePtr First) {
  auto Args = buildArgs(N, std::move(First));
  if (!Args)
    return Args.takeError();
  for (const auto &A : *Args)
    if (A->K == ENode::Const && A->Value.N == Np::Array)
      return arrayOperand(A->Loc);
  return makeOp("contains", *Args, N.Loc, DType::Bool);
}

Expected<ENodePtr> TreeBuilder::buildFunction(const AstNode &N,
                                              const FunctionInfo &Fn,
                                              ENodePtr First) {
  auto BuiltArgs = buildArgs(N, std::move(First));
  if (!BuiltArgs)
    return BuiltArgs.takeError();
  std::vector<ENodePtr> &Args = *BuiltArgs;
  bool AllConst = true;
  for (const auto &A : Args)
    AllConst &= A->K == ENode::Const;
  // Constants (even none at all) go to numpy, which checks the count
  // itself (TypeError); with an array argument the typed search fails.
  if (!AllConst)
    if (auto E = checkArity(N, Fn.Arity))
      return E;
  for (const auto &A : Args)
    if (!AllConst && A->K == ENode::Const && A->Value.N == Np::Array)
      return arrayOperand(A->Loc);
  if (AllConst) {
    std::vector<PyConst> Values;
    for (const auto &A : Args)
      Values.push_back(A->Value);
    auto V = foldFunction(Fn, Values, N.Loc);
    if (!V)
      return V.takeError();
    V->Boxed = true;
    return makeConst(*V, N.Loc);
  }
  auto Kind = functionKind(N, Fn, Args);
  if (!Kind)
    return Kind.takeError();
  return makeOp(Fn.OpName, Args, N.Loc, *Kind);
}

Expected<DType> TreeBuilder::functionKind(const AstNode &N,
                                          const FunctionInfo &Fn,
                                          const std::vector<ENodePtr> &Args) {
  auto K = commonKind(Args, N.Loc);
  if (!K)
    return K.takeError();
  DType Kind = *K;
  if (Kind == DType::Int32 || Kind == DType::Int64) {
    if (!Fn.KeepsIntegers)
      Kind = DType::Float64;
  } else if (Kind == DType::Bytes) {
    // numexpr ranks kinds to apply a minimum or maximum kind, and bytes
    // have no rank (ValueError); copy and ones_like have neither.
    if (Fn.MinKind || Fn.MaxKind)
      return makeError(ErrorKind::Value, N.Loc,
                       "function '" + N.Text + "' does not take strings");
  } else {
    if (Fn.MinKind && kindRank(*Fn.MinKind) > kindRank(Kind))
      Kind = *Fn.MinKind;
    if (Fn.MaxKind && kindRank(*Fn.MaxKind) < kindRank(Kind))
      Kind = *Fn.MaxKind;
  }
  std::string Op = Fn.OpName;
  if (Op == "isnan" || Op == "isfinite" || Op == "isinf" || Op == "signbit")
    Kind = DType::Bool;
  return Kind;
}

llvm::Error TreeBuilder::reductionArgs(const AstNode &N, ReductionArgs &R) {
  const AstNode *&Arg = R.Arg, *&AxisArg = R.AxisArg;
  SourceLoc &AxisLoc = R.AxisLoc;
  AxisLoc = N.Loc;
  if (N.Args.size() > 2)
    return makeError(ErrorKind::Type, N.Loc,
                     N.Text + "() takes an array and an optional axis");
  if (N.Args.size() >= 1)
    Arg = N.Args[0].get();
  if (N.Args.size() >= 2) {
    AxisArg = N.Args[1].get();
    AxisLoc = AxisArg->Loc;
  }
  for (size_t I = 0; I < N.Keywords.size(); ++I) {
    const auto &KW = N.Keywords[I];
    if (KW.first == "axis" && !AxisArg) {
      AxisArg = KW.second.get();
      AxisLoc = AxisArg->Loc;
    } else if (KW.first == "a" && !Arg) {
      Arg = KW.second.get();
    } else {
      return makeError(ErrorKind::Type, N.KeywordLocs[I],
                       N.Text + "() got an unexpected keyword argument '" +
                           sourceFragment(KW.first) + "'");
    }
  }
  if (!Arg)
    return makeError(ErrorKind::Type, N.Loc,
                     N.Text + "() takes an array and an optional axis");
  return llvm::Error::success();
}

Expected<ENodePtr> TreeBuilder::buildReduction(const AstNode &N,
                                               ENodePtr Built) {
  ReductionArgs R;
  if (auto E = reductionArgs(N, R)) // checked before Built was built
    return E;
  const AstNode *AxisArg = R.AxisArg;
  SourceLoc AxisLoc = R.AxisLoc;
  auto Raw = std::make_shared<ENode>();
  Raw->K = ENode::Raw;
  Raw->Loc = AxisLoc;
  if (AxisArg && AxisArg->K != AstNode::NoneLit) {
    auto X = build(*AxisArg);
    if (!X)
      return X;
    const PyConst &V = (*X)->Value;
    if ((*X)->K != ENode::Const || V.T == PyConst::Bytes ||
        V.T == PyConst::Complex || V.N == Np::Array)
      return makeError(ErrorKind::Type, AxisLoc,
                       "the axis of a reduction must be an integer "
                       "constant or None");
    double D = V.asDouble();
    if (D < 0)
      return makeError(ErrorKind::Value, AxisLoc,
                       "negative axis are not supported");
    if (D > 254)
      return makeError(ErrorKind::Value, AxisLoc, "cannot encode axis");
    // A float axis gets through here in numexpr and fails only when the
    // program is encoded, after typing.
    Raw->AxisNotInteger = !V.isIntegral();
    Raw->Axis = (int)D;
  }
  ENodePtr X = std::move(Built);
  if (X->K == ENode::Const && X->Value.Boxed)
    return X; // numexpr returns a ConstantNode argument unreduced
  if (X->K == ENode::Const) {
    const PyConst &V = X->Value;
    bool Accepted = V.N == Np::None
                        ? V.T != PyConst::Int && V.T != PyConst::Bytes
                        : V.N == Np::Int32 || V.N == Np::Int64 ||
                              V.N == Np::Float64 || V.N == Np::Complex128;
    if (!Accepted)
      return makeError(ErrorKind::Type, X->Loc,
                       N.Text + "() of this constant is not supported "
                                "(numexpr gives it no kind)");
  }
  return makeOp(N.Text, {X, Raw}, N.Loc, X->Type);
}

} // namespace sema
} // namespace nejit

//===- Sema/TreeBuilderCalls.cpp - Function calls and reductions ----------===//
/// \file
/// The kinded tree for calls: where(), contains(), numexpr's functions (folded
/// when every argument is a constant), the reductions (numexpr's
/// sum/prod/min/max and nejit's mean/std/var/any/all, with numpy's axis=,
/// keepdims= and ddof=) and nejit's clip().
/// A call's first argument is built by TreeBuilder::build's chain walk, after
/// the checks Python makes before evaluating it (callFirstOperand).
//===----------------------------------------------------------------------===//
#include "Sema/TreeBuilder.h"

#include <cmath>
#include <cstdint>

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
  return isReductionName(Name);
}

/// numexpr's own reductions (the rest are nejit's).
static bool isNumexprReductionName(const std::string &Name) {
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
  if (Name == "clip") {
    if (N.Args.size() != 3)
      return makeError(ErrorKind::Type, N.Loc,
                       "clip() takes 3 arguments (x, lo, hi) but " +
                           std::to_string(N.Args.size()) + " were given");
  } else if (Name == "where" || Name == "contains") {
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
  if (Name == "clip")
    return buildClip(N, std::move(First));
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
    } else if (KW.first == "keepdims" && !R.KeepArg) {
      R.KeepArg = KW.second.get();
    } else if (KW.first == "ddof" && (N.Text == "var" || N.Text == "std") &&
               !R.DdofArg) {
      R.DdofArg = KW.second.get();
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

Expected<ENodePtr> TreeBuilder::reductionOptions(const AstNode &N,
                                                 const ReductionArgs &R) {
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
    // numexpr's reductions keep numexpr's rule; nejit's own take numpy's
    // negative axes, counted from the end.
    if (D < 0 && isNumexprReductionName(N.Text))
      return makeError(ErrorKind::Value, AxisLoc,
                       "negative axis are not supported");
    if (D > 254 || D < -254)
      return makeError(ErrorKind::Value, AxisLoc, "cannot encode axis");
    // A float axis gets through here in numexpr and fails only when the
    // program is encoded, after typing.
    Raw->AxisNotInteger = !V.isIntegral();
    Raw->Axis = (int)D;
  }
  if (R.KeepArg) {
    auto Flag = constantInteger(*R.KeepArg, "keepdims");
    if (!Flag)
      return Flag.takeError();
    Raw->KeepDims = *Flag != 0;
  }
  if (R.DdofArg) {
    auto Ddof = constantInteger(*R.DdofArg, "ddof");
    if (!Ddof)
      return Ddof.takeError();
    if (*Ddof < -(1 << 30) || *Ddof > (1 << 30))
      return makeError(ErrorKind::Value, R.DdofArg->Loc, "ddof is too large");
    Raw->Ddof = (int)*Ddof;
  }
  return Raw;
}

Expected<ENodePtr> TreeBuilder::buildReduction(const AstNode &N,
                                               ENodePtr Built) {
  ReductionArgs R;
  if (auto E = reductionArgs(N, R)) // checked before Built was built
    return E;
  auto Raw = reductionOptions(N, R);
  if (!Raw)
    return Raw;
  ENodePtr X = std::move(Built);
  bool Numexprs = isNumexprReductionName(N.Text);
  if (Numexprs && X->K == ENode::Const && X->Value.Boxed)
    return X; // numexpr returns a ConstantNode argument unreduced
  if (X->K == ENode::Const) {
    const PyConst &V = X->Value;
    bool Accepted = V.N == Np::None
                        ? V.T != PyConst::Int && V.T != PyConst::Bytes
                        : V.N == Np::Int32 || V.N == Np::Int64 ||
                              V.N == Np::Float64 || V.N == Np::Complex128;
    if (!Numexprs)
      Accepted = V.T != PyConst::Bytes && V.N != Np::Array;
    if (!Accepted)
      return makeError(ErrorKind::Type, X->Loc,
                       N.Text + "() of this constant is not supported "
                                "(numexpr gives it no kind)");
  }
  DType Kind = X->Type;
  // numexpr's reductions keep their operand's kind; a kind numexpr has no
  // reduction for (bool) and nejit's own reductions take numpy's.
  if (!Numexprs || X->Type == DType::Bool) {
    auto K = reductionKind(N.Text, X->Type);
    if (!K)
      return makeError(ErrorKind::Type, N.Loc,
                       N.Text + "() is not defined for byte strings");
    Kind = *K;
  }
  return makeOp(N.Text, {X, *Raw}, N.Loc, Kind);
}

Expected<int64_t> TreeBuilder::constantInteger(const AstNode &A,
                                               const char *What) {
  auto X = build(A);
  if (!X)
    return X.takeError();
  const PyConst &V = (*X)->Value;
  if ((*X)->K != ENode::Const || !V.isIntegral() || V.N == Np::Array ||
      V.I > INT64_MAX || V.I < INT64_MIN)
    return makeError(ErrorKind::Type, A.Loc,
                     std::string(What) + " must be an integer or bool "
                                         "constant");
  return V.T == PyConst::Bool ? (int64_t)V.B : (int64_t)V.I;
}

Expected<ENodePtr> TreeBuilder::buildClip(const AstNode &N, ENodePtr X) {
  if (X->K == ENode::Const && X->Value.N == Np::Array)
    return arrayOperand(X->Loc);
  std::vector<ENodePtr> Args{X};
  bool Bound[3] = {true, true, true};
  for (size_t I = 1; I < 3; ++I) {
    if (N.Args[I]->K == AstNode::NoneLit) {
      Bound[I] = false;
      continue;
    }
    auto E = build(*N.Args[I]);
    if (!E)
      return E.takeError();
    if ((*E)->K == ENode::Const && (*E)->Value.N == Np::Array)
      return arrayOperand((*E)->Loc);
    Args.push_back(*E);
  }
  if (!Bound[1] && !Bound[2])
    return makeError(ErrorKind::Value, N.Loc,
                     "clip() needs at least one of lo and hi");
  auto K = commonKind(Args, N.Loc);
  if (!K)
    return K.takeError();
  if (*K == DType::Bytes || *K == DType::Complex128)
    return makeError(ErrorKind::Type, N.Loc,
                     std::string("clip() is not defined for ") +
                         (*K == DType::Bytes ? "byte strings"
                                             : "complex numbers"));
  // A missing bound is the widest value of the kind, which clips nothing.
  std::vector<ENodePtr> Kids{Args[0]};
  size_t Next = 1;
  for (size_t I = 1; I < 3; ++I) {
    if (Bound[I]) {
      Kids.push_back(Args[Next++]);
      continue;
    }
    bool Hi = I == 2;
    PyConst V;
    switch (*K) {
    case DType::Bool:
      V = PyConst::ofBool(Hi, Np::Bool);
      break;
    case DType::Int32:
      V = PyConst::ofInt(Hi ? INT32_MAX : INT32_MIN, Np::Int32);
      break;
    case DType::Int64:
      V = PyConst::ofInt(Hi ? INT64_MAX : INT64_MIN, Np::Int64);
      break;
    default:
      V = PyConst::ofFloat(Hi ? INFINITY : -INFINITY,
                           *K == DType::Float32 ? Np::Float32 : Np::Float64);
      break;
    }
    Kids.push_back(makeConst(V, N.Args[I]->Loc));
  }
  return makeOp("clip", Kids, N.Loc, *K);
}

} // namespace sema
} // namespace nejit

//===- Sema/ENode.cpp - Kinded expression nodes ---------------------------===//
/// \file
/// numexpr's ExpressionNode tree: constant and operation nodes and the
/// common-kind rule that gives an operation its kind.
//===----------------------------------------------------------------------===//
#include "Sema/SemaInternal.h"

namespace nejit {
namespace sema {

ENode::~ENode() {
  if (Kids.empty())
    return;
  // A kid held elsewhere too only loses a reference; a kid held only here
  // is detached from its own kids before it is freed, so no destructor
  // call below recurses.
  std::vector<ENodePtr> Work;
  auto Detach = [&Work](ENode &N) {
    for (ENodePtr &K : N.Kids)
      if (K && K.use_count() == 1)
        Work.push_back(std::move(K));
    N.Kids.clear();
  };
  Detach(*this);
  while (!Work.empty()) {
    ENodePtr N = std::move(Work.back());
    Work.pop_back();
    Detach(*N);
  }
}

ENodePtr makeConst(PyConst V, SourceLoc Loc) {
  auto N = std::make_shared<ENode>();
  N->K = ENode::Const;
  N->Type = V.kind();
  N->Value = std::move(V);
  N->Loc = Loc;
  return N;
}

int kindRank(DType T) { return (int)T; }

Expected<DType> commonKind(const std::vector<ENodePtr> &Nodes, SourceLoc Loc) {
  int Strings = 0, Counted = 0;
  DType Best = DType::Bool;
  for (const auto &N : Nodes) {
    if (N->K == ENode::Raw)
      continue;
    ++Counted;
    if (N->Type == DType::Bytes) {
      ++Strings;
      continue;
    }
    if (kindRank(N->Type) > kindRank(Best))
      Best = N->Type;
  }
  if (Strings > 0 && Strings < Counted)
    return makeError(ErrorKind::Type, Loc,
                     "strings can only be operated with strings");
  if (Strings > 0)
    return DType::Bytes;
  return Best;
}

Expected<ENodePtr> makeOp(std::string Name, std::vector<ENodePtr> Kids,
                          SourceLoc Loc, std::optional<DType> Kind) {
  if (!Kind) {
    auto K = commonKind(Kids, Loc);
    if (!K)
      return K.takeError();
    Kind = *K;
  }
  // numexpr: bool*bool is logical and, bool+bool logical or.
  if (*Kind == DType::Bool) {
    if (Name == "mul")
      Name = "and";
    else if (Name == "add")
      Name = "or";
  }
  auto N = std::make_shared<ENode>();
  N->K = ENode::Op;
  N->Name = std::move(Name);
  N->Type = *Kind;
  N->Kids = std::move(Kids);
  N->Loc = Loc;
  return N;
}

} // namespace sema
} // namespace nejit

//===- Sema/VariableNames.cpp - Variable names of an expression -----------===//
/// \file
/// The variables an expression names, and numexpr's getExprNames: the ones
/// still read once the kinded tree is built.
//===----------------------------------------------------------------------===//
#include "Sema/Sema.h"
#include "Sema/TreeBuilder.h"

#include <unordered_set>

namespace nejit {

/// Both walks keep their own stacks: trees may be 100,000 deep.
static void collectNames(const AstNode &Root, std::vector<std::string> &Out) {
  std::unordered_set<std::string> Seen;
  forEachNode(Root, [&](const AstNode &N) {
    if (N.K == AstNode::Name && Seen.insert(N.Text).second)
      Out.push_back(N.Text);
  });
}

/// The kinded tree shares nodes (power expansion), so each is visited once.
static void collectVars(const sema::ENode &Root, std::vector<bool> &Used) {
  std::vector<const sema::ENode *> Work{&Root};
  std::unordered_set<const sema::ENode *> Visited{&Root};
  while (!Work.empty()) {
    const sema::ENode &N = *Work.back();
    Work.pop_back();
    if (N.K == sema::ENode::Var && N.VarIndex >= 0)
      Used[N.VarIndex] = true;
    for (const sema::ENodePtr &Kid : N.Kids)
      if (Visited.insert(Kid.get()).second)
        Work.push_back(Kid.get());
  }
}

Expected<std::vector<std::string>> usedVariableNames(const AstNode &Root,
                                                     Optimization Opt) {
  std::vector<std::string> All = collectVariableNames(Root);
  Signature Sig;
  for (const std::string &Name : All)
    Sig.push_back({Name, DType::Float64, 0});
  sema::TreeBuilder B(Sig, Opt);
  auto Tree = B.build(Root);
  if (!Tree)
    return Tree.takeError();
  std::vector<bool> Used(All.size(), false);
  collectVars(**Tree, Used);
  std::vector<std::string> Out;
  for (size_t I = 0; I < All.size(); ++I)
    if (Used[I])
      Out.push_back(All[I]);
  return Out;
}

std::vector<std::string> collectVariableNames(const AstNode &Root) {
  std::vector<std::string> Out;
  collectNames(Root, Out);
  return Out;
}

std::vector<std::string> collectProgramInputNames(const ProgramAst &P) {
  std::vector<std::string> Out;
  std::unordered_set<std::string> Seen, Assigned;
  for (const Statement &S : P.Statements) {
    for (std::string &Name : collectVariableNames(*S.Value))
      if (!Assigned.count(Name) && Seen.insert(Name).second)
        Out.push_back(std::move(Name));
    if (!S.Target.empty())
      Assigned.insert(S.Target);
  }
  return Out;
}

} // namespace nejit

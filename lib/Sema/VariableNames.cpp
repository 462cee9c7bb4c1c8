//===- Sema/VariableNames.cpp - Variable names of an expression -----------===//
/// \file
/// The variables an expression names, and numexpr's getExprNames: the ones
/// still read once the kinded tree is built.
//===----------------------------------------------------------------------===//
#include "Sema/Sema.h"
#include "Sema/TreeBuilder.h"

namespace nejit {

static void collectNames(const AstNode &N, std::vector<std::string> &Out) {
  if (N.K == AstNode::Name) {
    for (const auto &S : Out)
      if (S == N.Text)
        return;
    Out.push_back(N.Text);
    return;
  }
  for (const auto &A : N.Args)
    collectNames(*A, Out);
  for (const auto &KW : N.Keywords)
    collectNames(*KW.second, Out);
}

static void collectVars(const sema::ENode &N, std::vector<bool> &Used) {
  if (N.K == sema::ENode::Var && N.VarIndex >= 0)
    Used[N.VarIndex] = true;
  for (const sema::ENodePtr &Kid : N.Kids)
    collectVars(*Kid, Used);
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

} // namespace nejit

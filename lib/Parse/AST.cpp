//===- Parse/AST.cpp - Printing the parse tree ----------------------------===//
/// \file
/// One node a line, children indented; positions as line:col so lit tests
/// can check where things were parsed. Printing and freeing use explicit
/// stacks: trees may be 100,000 nodes deep.
//===----------------------------------------------------------------------===//
#include "Parse/AST.h"

#include <algorithm>

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace nejit {

AstNode::~AstNode() {
  if (Args.empty() && Keywords.empty())
    return;
  // Children are detached before they are freed, so each destructor call
  // below sees a node without children.
  std::vector<AstPtr> Work;
  auto Detach = [&Work](AstNode &N) {
    for (AstPtr &A : N.Args)
      Work.push_back(std::move(A));
    N.Args.clear();
    for (auto &KW : N.Keywords)
      Work.push_back(std::move(KW.second));
    N.Keywords.clear();
  };
  Detach(*this);
  while (!Work.empty()) {
    AstPtr N = std::move(Work.back());
    Work.pop_back();
    if (N)
      Detach(*N);
  }
}

void AstNode::updateHeight() {
  Height = 1;
  for (const auto &A : Args)
    Height = std::max(Height, A->Height + 1);
  for (const auto &KW : Keywords)
    Height = std::max(Height, KW.second->Height + 1);
}

/// Indentation grows two spaces a level down to this depth.
constexpr int MaxIndentDepth = 64;

static void indent(llvm::raw_ostream &OS, int Depth) {
  OS.indent(2 * std::min(Depth, MaxIndentDepth));
  if (Depth > MaxIndentDepth)
    OS << "[" << Depth << "] ";
}

/// The node's own line.
static void printNode(llvm::raw_ostream &OS, const AstNode &N, int Depth) {
  indent(OS, Depth);
  switch (N.K) {
  case AstNode::IntLit:
    OS << "Int " << N.Text;
    if (N.IntOverflow) {
      OS << " (too large)";
    } else {
      // The value, when the spelling is not plain decimal digits.
      bool Plain = N.Text.find_first_not_of("0123456789") == std::string::npos;
      if (!Plain) {
        unsigned __int128 V = (unsigned __int128)N.IntValue;
        std::string D;
        do {
          D.insert(D.begin(), char('0' + (int)(V % 10)));
          V /= 10;
        } while (V);
        OS << " (=" << D << ")";
      }
    }
    break;
  case AstNode::FloatLit:
    OS << "Float " << N.Text;
    break;
  case AstNode::ImagLit:
    OS << "Imag " << N.Text;
    break;
  case AstNode::BoolLit:
    OS << "Bool " << N.Text;
    break;
  case AstNode::NoneLit:
    OS << "None";
    break;
  case AstNode::StringLit: {
    OS << "String \"";
    OS.write_escaped(N.Text);
    OS << "\"";
    break;
  }
  case AstNode::Name:
    OS << "Name " << N.Text;
    break;
  case AstNode::Unary:
    OS << "Unary '" << N.Text << "'";
    break;
  case AstNode::Binary:
    OS << "Binary '" << N.Text << "'";
    break;
  case AstNode::Compare: {
    OS << "Compare";
    for (const auto &Op : N.Ops)
      OS << " '" << Op << "'";
    break;
  }
  case AstNode::BoolOp:
    OS << "BoolOp '" << N.Text << "'";
    break;
  case AstNode::IfExp:
    OS << "IfExp";
    break;
  case AstNode::Call:
    OS << "Call " << N.Text;
    break;
  case AstNode::Attribute:
    OS << "Attribute ." << N.Text;
    break;
  case AstNode::Display:
    OS << "Display " << N.Text;
    break;
  }
  OS << " <" << N.Loc.Line << ":" << N.Loc.Column << ">";
  // Where the operators are (the node's own position is its first operand).
  if (N.K == AstNode::Binary || N.K == AstNode::Compare)
    for (const auto &L : N.OpLocs)
      OS << " op <" << L.Line << ":" << L.Column << ">";
  OS << "\n";
}

std::string printAst(const AstNode &Root) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  // An explicit stack: a node, or a keyword's label line (Keyword set).
  struct Item {
    const AstNode *N;
    int Depth;
    const std::string *Keyword = nullptr;
  };
  std::vector<Item> Work{{&Root, 0}};
  while (!Work.empty()) {
    Item I = Work.back();
    Work.pop_back();
    if (I.Keyword) {
      indent(OS, I.Depth);
      OS << "Keyword " << *I.Keyword << "\n";
      Work.push_back({I.N, I.Depth + 1});
      continue;
    }
    printNode(OS, *I.N, I.Depth);
    for (auto It = I.N->Keywords.rbegin(); It != I.N->Keywords.rend(); ++It)
      Work.push_back({It->second.get(), I.Depth + 1, &It->first});
    for (auto It = I.N->Args.rbegin(); It != I.N->Args.rend(); ++It)
      Work.push_back({It->get(), I.Depth + 1});
  }
  return S;
}

} // namespace nejit

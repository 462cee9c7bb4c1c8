//===- Parse/AST.cpp - Printing the parse tree ----------------------------===//
/// \file
/// One node a line, children indented; positions as line:col so lit tests
/// can check where things were parsed.
//===----------------------------------------------------------------------===//
#include "Parse/AST.h"

#include <algorithm>

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace nejit {

void AstNode::updateHeight() {
  Height = 1;
  for (const auto &A : Args)
    Height = std::max(Height, A->Height + 1);
  for (const auto &KW : Keywords)
    Height = std::max(Height, KW.second->Height + 1);
}

static void print(llvm::raw_ostream &OS, const AstNode &N, int Indent) {
  OS.indent(Indent);
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
  for (const auto &A : N.Args)
    print(OS, *A, Indent + 2);
  for (const auto &KW : N.Keywords) {
    OS.indent(Indent + 2) << "Keyword " << KW.first << "\n";
    print(OS, *KW.second, Indent + 4);
  }
}

std::string printAst(const AstNode &N) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  print(OS, N, 0);
  return S;
}

} // namespace nejit

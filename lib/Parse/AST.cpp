//===- Parse/AST.cpp - Printing the parse tree ----------------------------===//
/// \file
/// One node a line, children indented; positions as line:col so lit tests
/// can check where things were parsed.
//===----------------------------------------------------------------------===//
#include "Parse/AST.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace nejit {

static void print(llvm::raw_ostream &OS, const AstNode &N, int Indent) {
  OS.indent(Indent);
  switch (N.K) {
  case AstNode::IntLit:
    OS << "Int " << N.Text;
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
  }
  OS << " <" << N.Loc.Line << ":" << N.Loc.Column << ">\n";
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

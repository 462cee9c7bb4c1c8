//===- Parse/AST.h - The parse tree of an expression ------------*- C++ -*-===//
/// \file
/// The parse tree: exactly what was written, with positions. Sema turns it
/// into typed IR; nothing here knows about types.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_PARSE_AST_H
#define NEJIT_PARSE_AST_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nejit {

/// A 1-based position in the expression text.
struct SourceLoc {
  int Line = 1;
  int Column = 1;
};

struct AstNode;
using AstPtr = std::unique_ptr<AstNode>;

struct AstNode {
  enum Kind {
    IntLit,    ///< Text as written; IntValue (IntOverflow: beyond 127 bits)
    FloatLit,  ///< FloatValue
    ImagLit,   ///< FloatValue is the imaginary part
    BoolLit,   ///< IntValue 0/1
    NoneLit,   ///< Python's None
    StringLit, ///< Text holds the bytes
    Name,      ///< Text
    Unary,     ///< Text is the operator ("-", "+", "~", "not"); Args[0]
    Binary,    ///< Text is the operator ("+", "**", "<<", ...); Args[0..1]
    Compare,   ///< chained comparison: Args[0] Ops[0] Args[1] Ops[1] ...
    BoolOp,    ///< "and" / "or" (Text); Args
    IfExp,     ///< Args: body, condition, orelse
    Display,   ///< a tuple, set or dict display (Text: which); never typed
    Call,      ///< Text is the callee name; Args positional; Keywords
    Attribute, ///< Args[0].Text
  };
  Kind K;
  SourceLoc Loc;
  std::string Text;
  __int128 IntValue = 0;
  bool IntOverflow = false; ///< IntLit beyond 127 bits
  double FloatValue = 0;
  std::vector<AstPtr> Args;
  std::vector<std::string> Ops;  ///< Compare only
  std::vector<SourceLoc> OpLocs; ///< Compare / Binary operator positions
  std::vector<std::pair<std::string, AstPtr>> Keywords; ///< Call only
  std::vector<SourceLoc> KeywordLocs;
  int Height = 1; ///< 1 + the tallest child's; bounded by MaxTreeHeight

  AstNode(Kind K, SourceLoc Loc) : K(K), Loc(Loc) {}
  /// Recomputes Height from the children.
  void updateHeight();
};

/// Trees taller than this are rejected while parsing ("a+a+...+a" with
/// thousands of terms), so that every recursive walk over a tree, its
/// destructor included, stays far from the stack's limit.
constexpr int MaxTreeHeight = 1000;

/// Prints the tree in a deterministic, indented, one-node-a-line form.
std::string printAst(const AstNode &N);

} // namespace nejit

#endif // NEJIT_PARSE_AST_H

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
  int Height = 1; ///< 1 + the tallest child's; bounded by MaxNesting

  AstNode(Kind K, SourceLoc Loc) : K(K), Loc(Loc) {}
  /// Frees the subtree without recursion (a 10,000-term sum is a chain
  /// 10,000 nodes deep).
  ~AstNode();
  AstNode(const AstNode &) = delete;
  AstNode &operator=(const AstNode &) = delete;
  /// Recomputes Height from the children.
  void updateHeight();
};

/// The deepest tree, and the most brackets open at once, that the parser
/// accepts: far beyond what generated expressions use (pandas writes a
/// 10,000-term sum as 10,000 nested parentheses), while keeping memory and
/// compile time bounded. Walks over chains (left operands, unary operands)
/// are iterative; other recursion is bounded by the stack left
/// (Support/Stack.h).
constexpr int MaxNesting = 100000;

/// Prints the tree in a deterministic, indented, one-node-a-line form.
/// Below depth 64 the indentation stops growing and the line starts with
/// the depth in brackets instead, so the text stays linear in the tree.
std::string printAst(const AstNode &N);

/// Calls Fn on every node, parents before children and children in order,
/// without recursion.
template <typename FnT> void forEachNode(const AstNode &Root, FnT Fn) {
  std::vector<const AstNode *> Work{&Root};
  while (!Work.empty()) {
    const AstNode *N = Work.back();
    Work.pop_back();
    Fn(*N);
    for (auto It = N->Keywords.rbegin(); It != N->Keywords.rend(); ++It)
      Work.push_back(It->second.get());
    for (auto It = N->Args.rbegin(); It != N->Args.rend(); ++It)
      Work.push_back(It->get());
  }
}

} // namespace nejit

#endif // NEJIT_PARSE_AST_H

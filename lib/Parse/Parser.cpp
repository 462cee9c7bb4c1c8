//===- Parse/Parser.cpp - Expression text to AST --------------------------===//
/// \file
/// The grammar (docs/language.md), as this parser reads it:
///
///   expr     := or_test ['if' or_test 'else' expr]
///   or_test  := and_test ('or' and_test)*          prec 1, n-ary
///   and_test := not_test ('and' not_test)*         prec 2, n-ary
///   not_test := 'not' not_test | comparison        prec 3, prefix
///   comparison := bor (compop bor)*                prec 4, chained
///   bor, bxor, band, shift, arith, term            prec 5..10, left
///   factor   := ('+' | '-' | '~') factor | power   prec 11, prefix
///   power    := primary ['**' factor]              prec 12, right
///   primary  := atom ('(' arglist ')' | '.' NAME)*
///   atom     := NAME | number | STRING+ | '(' expr ')' | display
///
/// One loop alternates between expecting an operand (prefix operators,
/// atoms, opening brackets) and expecting an operator (postfix calls and
/// attributes, infix operators, or the end of the current expression).
/// Pending operators wait on a stack per bracket level and are reduced by
/// precedence (shunting-yard); each open bracket is a Frame on an explicit
/// stack. Nothing recurses, so the nesting depth costs heap, not stack.
/// Boolean operators, conditional expressions and chained comparisons parse
/// (so that Sema can reject them with numexpr's message) but never
/// evaluate.
//===----------------------------------------------------------------------===//
#include "Parse/Parser.h"
#include "Parse/Lexer.h"
#include "Support/Stack.h"

#include <cstring>

namespace nejit {

namespace {

/// An operator waiting for its right operand(s).
struct PendingOp {
  enum Kind { Binary, Prefix, Compare, BoolOp, IfCond, IfElse } K;
  int Prec;         ///< IfCond/IfElse: 0, below every operator
  std::string Text; ///< operator or keyword
  SourceLoc Loc;    ///< Binary: the operator; Prefix, BoolOp, If*: the word
  size_t Arity = 0; ///< BoolOp: operands so far
  std::vector<std::string> Ops; ///< Compare: the chain's operators
  std::vector<SourceLoc> OpLocs;
};

constexpr int PrecNot = 3, PrecCompare = 4, PrecUnary = 11, PrecPower = 12;

/// The precedence of a left-associative binary operator; 0 if Op is none.
int binaryPrec(const std::string &Op) {
  static const std::pair<const char *, int> Table[] = {
      {"|", 5}, {"^", 6},  {"&", 7},  {"<<", 8},  {">>", 8}, {"+", 9},
      {"-", 9}, {"*", 10}, {"/", 10}, {"//", 10}, {"%", 10}, {"@", 10}};
  for (const auto &[Name, Prec] : Table)
    if (Op == Name)
      return Prec;
  return 0;
}

/// One bracket level: the expression being parsed inside it and what the
/// bracket builds from its expressions.
struct Frame {
  enum Kind { Top, Paren, Call, Brace } K;
  SourceLoc Open;
  std::vector<AstPtr> Operands;
  std::vector<PendingOp> Ops;
  std::vector<AstPtr> Items; ///< Paren (a tuple once SawComma), Brace
  bool SawComma = false;
  AstPtr CallNode;        ///< Call
  bool InKeyword = false; ///< Call: the current argument is NAME '=' expr
  std::string Keyword;
  SourceLoc KeywordLoc;

  Frame(Kind K, SourceLoc Open) : K(K), Open(Open) {}
};

class Parser {
public:
  explicit Parser(std::vector<Token> Tokens) : Tokens(std::move(Tokens)) {}

  Expected<AstPtr> parseTop() {
    Frames.emplace_back(Frame::Top, SourceLoc{});
    bool WantOperand = true;
    while (true) {
      if (WantOperand) {
        if (auto E = operand(WantOperand))
          return E;
        continue;
      }
      AstPtr Result;
      if (auto E = operatorOrEnd(WantOperand, Result))
        return E;
      if (Result)
        return Result;
    }
  }

private:
  std::vector<Token> Tokens;
  size_t Pos = 0;
  std::vector<Frame> Frames;

  const Token &cur() const { return Tokens[Pos]; }
  const Token *next() const {
    return Pos + 1 < Tokens.size() ? &Tokens[Pos + 1] : nullptr;
  }
  bool isOp(const char *S) const {
    return cur().K == Token::Op && cur().Text == S;
  }
  bool isKeyword(const char *S) const {
    return cur().K == Token::Name && cur().Text == S;
  }
  const Token &take() { return Tokens[Pos++]; }
  Frame &frame() { return Frames.back(); }

  llvm::Error unexpected() {
    const Token &T = cur();
    if (T.K == Token::End)
      return makeError(ErrorKind::Syntax, T.Loc,
                       "unexpected end of expression");
    if (T.K == Token::Newline)
      return makeError(ErrorKind::Syntax, T.Loc,
                       "invalid syntax: unexpected newline (an expression "
                       "continues on the next line only inside brackets)");
    return makeError(ErrorKind::Syntax, T.Loc,
                     "invalid syntax: unexpected '" + sourceFragment(T.Text) +
                         "'");
  }
  llvm::Error expectOp(const char *S) {
    if (!isOp(S))
      return makeError(
          ErrorKind::Syntax, cur().Loc,
          std::string("expected '") + S + "'" +
              (cur().K == Token::End ? std::string(" before end of expression")
               : cur().K == Token::Newline
                   ? std::string(" before end of line")
                   : " but found '" + sourceFragment(cur().Text) + "'"));
    ++Pos;
    return llvm::Error::success();
  }

  /// Sets N's height; a tree taller than MaxNesting is an error at Loc.
  static Expected<AstPtr> finish(AstPtr N, SourceLoc Loc) {
    N->updateHeight();
    if (N->Height > MaxNesting)
      return nestedTooDeeply(Loc);
    return N;
  }

  //===--------------------------------------------------------------------===//
  // Operands
  //===--------------------------------------------------------------------===//

  /// May a prefix operator of precedence Prec stand here? Python's grammar:
  /// `not` only where a not_test may start (not after a comparison or
  /// arithmetic operator), `-` `+` `~` where a factor may (after `**` too).
  bool prefixAllowed(int Prec) const {
    const std::vector<PendingOp> &Ops = Frames.back().Ops;
    if (Ops.empty())
      return true;
    const PendingOp &Top = Ops.back();
    return Prec > Top.Prec ||
           (Prec == Top.Prec && Top.K == PendingOp::Prefix) ||
           (Top.K == PendingOp::Binary && Top.Text == "**" &&
            Prec == PrecUnary);
  }

  /// operand := ('not' | '+' | '-' | '~')* (atom | '(' | '{')
  /// An opening bracket starts a new Frame; anything else completes an
  /// operand, after which an operator is expected.
  llvm::Error operand(bool &WantOperand) {
    const Token &T = cur();
    bool IsNot = T.K == Token::Name && T.Text == "not";
    bool IsSign =
        T.K == Token::Op && (T.Text == "+" || T.Text == "-" || T.Text == "~");
    if (IsNot || IsSign) {
      int Prec = IsNot ? PrecNot : PrecUnary;
      if (!prefixAllowed(Prec))
        return unexpected();
      frame().Ops.push_back({PendingOp::Prefix, Prec, T.Text, T.Loc});
      ++Pos;
      return llvm::Error::success();
    }
    if (T.K == Token::Op && (T.Text == "(" || T.Text == "{")) {
      bool Paren = T.Text == "(";
      SourceLoc Open = T.Loc;
      ++Pos;
      if (isOp(Paren ? ")" : "}")) { // () and {}: an empty tuple or dict
        ++Pos;
        auto N = std::make_unique<AstNode>(AstNode::Display, Open);
        N->Text = Paren ? "tuple" : "dict";
        frame().Operands.push_back(std::move(N));
        WantOperand = false;
        return llvm::Error::success();
      }
      if (Frames.size() > (size_t)MaxNesting)
        return nestedTooDeeply(Open);
      Frames.emplace_back(Paren ? Frame::Paren : Frame::Brace, Open);
      return llvm::Error::success();
    }
    auto A = atom();
    if (!A)
      return A.takeError();
    frame().Operands.push_back(std::move(*A));
    WantOperand = false;
    return llvm::Error::success();
  }

  /// atom := NAME | INT | FLOAT | IMAG | STRING+ | 'True' | 'False' | 'None'
  Expected<AstPtr> atom() {
    const Token &T = cur();
    switch (T.K) {
    case Token::Name: {
      static const char *const Reserved[] = {
          "and",    "or",     "not",   "if",     "else",   "in",
          "is",     "lambda", "for",   "import", "def",    "class",
          "return", "yield",  "await", "async",  "del",    "pass",
          "while",  "with",   "as",    "from",   "global", "assert"};
      for (const char *R : Reserved)
        if (T.Text == R)
          return unexpected();
      AstNode::Kind K = AstNode::Name;
      if (T.Text == "True" || T.Text == "False")
        K = AstNode::BoolLit;
      else if (T.Text == "None")
        K = AstNode::NoneLit;
      auto N = std::make_unique<AstNode>(K, T.Loc);
      N->Text = T.Text;
      N->IntValue = T.Text == "True";
      ++Pos;
      return N;
    }
    case Token::Int: {
      auto N = std::make_unique<AstNode>(AstNode::IntLit, T.Loc);
      N->Text = T.Text;
      N->IntValue = T.IntValue;
      N->IntOverflow = T.IntOverflow;
      ++Pos;
      return N;
    }
    case Token::Float:
    case Token::Imag: {
      auto N = std::make_unique<AstNode>(
          T.K == Token::Float ? AstNode::FloatLit : AstNode::ImagLit, T.Loc);
      N->Text = T.Text;
      N->FloatValue = T.FloatValue;
      ++Pos;
      return N;
    }
    case Token::String: {
      // Adjacent literals concatenate, as in Python.
      auto N = std::make_unique<AstNode>(AstNode::StringLit, T.Loc);
      while (cur().K == Token::String)
        N->Text += take().Text;
      return N;
    }
    default:
      return unexpected();
    }
  }

  //===--------------------------------------------------------------------===//
  // Operators
  //===--------------------------------------------------------------------===//

  /// After an operand: a postfix call or attribute, an infix operator, or
  /// the end of the current bracket level's expression.
  llvm::Error operatorOrEnd(bool &WantOperand, AstPtr &Result) {
    const Token &T = cur();
    if (T.K == Token::Op && T.Text == "(")
      return call(WantOperand);
    if (T.K == Token::Op && T.Text == ".")
      return attribute();
    if (T.K == Token::Op && T.Text == "**") {
      // Right-associative and above every prefix operator: nothing to
      // reduce (`-a ** b` is `-(a ** b)`).
      frame().Ops.push_back({PendingOp::Binary, PrecPower, "**", T.Loc});
      ++Pos;
      WantOperand = true;
      return llvm::Error::success();
    }
    if (T.K == Token::Op) {
      if (int Prec = binaryPrec(T.Text)) {
        if (auto E = reduceWhile(Prec - 1))
          return E;
        frame().Ops.push_back({PendingOp::Binary, Prec, T.Text, T.Loc});
        ++Pos;
        WantOperand = true;
        return llvm::Error::success();
      }
    }
    std::string CompareOp = comparisonAt();
    if (!CompareOp.empty())
      return comparison(CompareOp, WantOperand);
    if (isKeyword("and") || isKeyword("or"))
      return boolOp(WantOperand);
    if (isKeyword("if") || isKeyword("else")) {
      bool Handled = false;
      if (auto E = conditional(WantOperand, Handled))
        return E;
      if (Handled)
        return llvm::Error::success();
    }
    return endOfExpression(WantOperand, Result);
  }

  /// Reduces the current level's pending operators of precedence above
  /// Prec (markers of conditional expressions have 0).
  llvm::Error reduceWhile(int Prec) {
    Frame &F = frame();
    while (!F.Ops.empty() && F.Ops.back().Prec > Prec) {
      PendingOp Op = std::move(F.Ops.back());
      F.Ops.pop_back();
      if (auto E = reduce(F, std::move(Op)))
        return E;
    }
    return llvm::Error::success();
  }

  /// Pops Count operands, in source order.
  static std::vector<AstPtr> popOperands(Frame &F, size_t Count) {
    std::vector<AstPtr> Out;
    for (size_t I = F.Operands.size() - Count; I < F.Operands.size(); ++I)
      Out.push_back(std::move(F.Operands[I]));
    F.Operands.resize(F.Operands.size() - Count);
    return Out;
  }

  /// Applies one pending operator to its operands.
  llvm::Error reduce(Frame &F, PendingOp Op) {
    AstPtr N;
    SourceLoc At = Op.Loc;
    switch (Op.K) {
    case PendingOp::Binary: {
      std::vector<AstPtr> LR = popOperands(F, 2);
      N = std::make_unique<AstNode>(AstNode::Binary, LR[0]->Loc);
      N->OpLocs.push_back(Op.Loc);
      N->Args = std::move(LR);
      break;
    }
    case PendingOp::Prefix:
      N = std::make_unique<AstNode>(AstNode::Unary, Op.Loc);
      N->Args = popOperands(F, 1);
      break;
    case PendingOp::Compare:
      N = std::make_unique<AstNode>(AstNode::Compare, SourceLoc{});
      N->Args = popOperands(F, Op.Ops.size() + 1);
      N->Loc = N->Args[0]->Loc;
      N->Ops = std::move(Op.Ops);
      At = Op.OpLocs.back();
      N->OpLocs = std::move(Op.OpLocs);
      break;
    case PendingOp::BoolOp:
      N = std::make_unique<AstNode>(AstNode::BoolOp, Op.Loc);
      N->Args = popOperands(F, Op.Arity);
      break;
    case PendingOp::IfElse: // body, condition, orelse
      N = std::make_unique<AstNode>(AstNode::IfExp, Op.Loc);
      N->Args = popOperands(F, 3);
      break;
    case PendingOp::IfCond:
      return unexpected(); // `a if b` without 'else'
    }
    if (Op.K != PendingOp::Compare && Op.K != PendingOp::IfElse)
      N->Text = std::move(Op.Text);
    auto Done = finish(std::move(N), At);
    if (!Done)
      return Done.takeError();
    F.Operands.push_back(std::move(*Done));
    return llvm::Error::success();
  }

  /// compop := '<' | '>' | '==' | '>=' | '<=' | '!=' | 'in' | 'not' 'in'
  ///          | 'is' | 'is' 'not'      (empty when none starts here)
  std::string comparisonAt() const {
    const Token &T = cur();
    if (T.K == Token::Op) {
      for (const char *Op : {"<", ">", "==", ">=", "<=", "!="})
        if (T.Text == Op)
          return Op;
      return "";
    }
    if (T.K != Token::Name)
      return "";
    const Token *N = next();
    bool NextIsName = N && N->K == Token::Name;
    if (T.Text == "in")
      return "in";
    if (T.Text == "not" && NextIsName && N->Text == "in")
      return "not in";
    if (T.Text == "is")
      return NextIsName && N->Text == "not" ? "is not" : "is";
    return "";
  }

  /// comparison := bor (compop bor)*: one Compare node per chain.
  llvm::Error comparison(const std::string &Op, bool &WantOperand) {
    SourceLoc OpLoc = cur().Loc;
    Pos += Op == "not in" || Op == "is not" ? 2 : 1;
    if (auto E = reduceWhile(PrecCompare))
      return E;
    Frame &F = frame();
    if (F.Ops.empty() || F.Ops.back().K != PendingOp::Compare)
      F.Ops.push_back({PendingOp::Compare, PrecCompare, "", OpLoc});
    F.Ops.back().Ops.push_back(Op);
    F.Ops.back().OpLocs.push_back(OpLoc);
    WantOperand = true;
    return llvm::Error::success();
  }

  /// or_test := and_test ('or' and_test)*; and_test likewise: one BoolOp
  /// node per run of the same word.
  llvm::Error boolOp(bool &WantOperand) {
    std::string Word = cur().Text;
    int Prec = Word == "or" ? 1 : 2;
    SourceLoc Loc = cur().Loc;
    ++Pos;
    if (auto E = reduceWhile(Prec))
      return E;
    Frame &F = frame();
    if (F.Ops.empty() || F.Ops.back().K != PendingOp::BoolOp ||
        F.Ops.back().Text != Word)
      F.Ops.push_back({PendingOp::BoolOp, Prec, Word, Loc, 1});
    ++F.Ops.back().Arity;
    WantOperand = true;
    return llvm::Error::success();
  }

  /// expr := or_test ['if' or_test 'else' expr]. 'if' leaves its body on
  /// the operand stack under an IfCond marker; 'else' turns the marker into
  /// IfElse once the condition is complete. Handled is false for an 'else'
  /// that belongs to no 'if' (it ends the expression).
  llvm::Error conditional(bool &WantOperand, bool &Handled) {
    bool If = isKeyword("if");
    if (auto E = reduceWhile(0))
      return E;
    std::vector<PendingOp> &Ops = frame().Ops;
    bool InCondition = !Ops.empty() && Ops.back().K == PendingOp::IfCond;
    if (If) {
      if (InCondition)
        return unexpected(); // `a if b if c else d else e`
      Ops.push_back({PendingOp::IfCond, 0, "if", cur().Loc});
    } else {
      if (!InCondition)
        return llvm::Error::success();
      Ops.back().K = PendingOp::IfElse;
    }
    ++Pos;
    Handled = true;
    WantOperand = true;
    return llvm::Error::success();
  }

  /// primary := primary '.' NAME
  llvm::Error attribute() {
    ++Pos;
    if (cur().K != Token::Name)
      return unexpected();
    auto Attr = std::make_unique<AstNode>(AstNode::Attribute, cur().Loc);
    Attr->Text = take().Text;
    Attr->Args.push_back(std::move(frame().Operands.back()));
    SourceLoc Loc = Attr->Loc;
    auto F = finish(std::move(Attr), Loc);
    if (!F)
      return F.takeError();
    frame().Operands.back() = std::move(*F);
    return llvm::Error::success();
  }

  //===--------------------------------------------------------------------===//
  // Calls and bracket levels
  //===--------------------------------------------------------------------===//

  /// primary := NAME '(' arglist ')'
  llvm::Error call(bool &WantOperand) {
    AstPtr &Callee = frame().Operands.back();
    if (Callee->K != AstNode::Name)
      return makeError(ErrorKind::Type, cur().Loc,
                       "only functions can be called");
    auto Call = std::make_unique<AstNode>(AstNode::Call, Callee->Loc);
    Call->Text = Callee->Text;
    frame().Operands.pop_back();
    SourceLoc Open = cur().Loc;
    ++Pos;
    if (isOp(")")) {
      ++Pos;
      auto F = finish(std::move(Call), Open);
      if (!F)
        return F.takeError();
      frame().Operands.push_back(std::move(*F));
      return llvm::Error::success();
    }
    if (Frames.size() > (size_t)MaxNesting)
      return nestedTooDeeply(Open);
    Frames.emplace_back(Frame::Call, Open);
    frame().CallNode = std::move(Call);
    WantOperand = true;
    return startArgument();
  }

  /// arg := expr | NAME '=' expr
  llvm::Error startArgument() {
    Frame &F = frame();
    const Token *N = next();
    F.InKeyword =
        cur().K == Token::Name && N && N->K == Token::Op && N->Text == "=";
    if (F.InKeyword) {
      F.KeywordLoc = cur().Loc;
      F.Keyword = cur().Text;
      Pos += 2;
    } else if (!F.CallNode->Keywords.empty()) {
      return makeError(ErrorKind::Syntax, cur().Loc,
                       "positional argument follows keyword argument");
    }
    return llvm::Error::success();
  }

  /// The expression of the current level is complete: reduce it, then let
  /// the level's bracket take it (`,`, the closing bracket) or, at the top,
  /// the end of the text.
  llvm::Error endOfExpression(bool &WantOperand, AstPtr &Result) {
    if (auto E = reduceWhile(-1))
      return E;
    Frame &F = frame();
    AstPtr Value = std::move(F.Operands.back());
    F.Operands.pop_back();
    switch (F.K) {
    case Frame::Top:
      if (cur().K != Token::End)
        return unexpected();
      Result = std::move(Value);
      return llvm::Error::success();
    case Frame::Call:
      return callArgumentEnd(std::move(Value), WantOperand);
    case Frame::Paren:
    case Frame::Brace:
      return displayItemEnd(std::move(Value), WantOperand);
    }
    return llvm::Error::success();
  }

  /// arglist := [arg (',' arg)* [',']] ')'
  llvm::Error callArgumentEnd(AstPtr Value, bool &WantOperand) {
    Frame &F = frame();
    if (F.InKeyword) {
      F.CallNode->Keywords.emplace_back(std::move(F.Keyword), std::move(Value));
      F.CallNode->KeywordLocs.push_back(F.KeywordLoc);
    } else {
      F.CallNode->Args.push_back(std::move(Value));
    }
    if (isOp(",")) {
      ++Pos;
      if (!isOp(")")) {
        WantOperand = true;
        return startArgument();
      }
    }
    if (auto E = expectOp(")"))
      return E;
    AstPtr Call = std::move(F.CallNode);
    SourceLoc Open = F.Open;
    return closeFrame(std::move(Call), Open);
  }

  /// '(' expr ')' | '(' expr ',' [expr (',' expr)* [',']] ')'
  /// | '{' expr (',' expr)* [','] '}'  -- tuples and sets parse (Python
  /// evaluates them) but are never values of an expression; Sema says so.
  llvm::Error displayItemEnd(AstPtr Value, bool &WantOperand) {
    Frame &F = frame();
    bool Paren = F.K == Frame::Paren;
    const char *Close = Paren ? ")" : "}";
    if (Paren && !F.SawComma && isOp(")")) { // a parenthesized expression
      ++Pos;
      return closeFrame(std::move(Value), SourceLoc{});
    }
    F.Items.push_back(std::move(Value));
    if (isOp(",")) {
      ++Pos;
      F.SawComma = true;
      if (!isOp(Close)) {
        WantOperand = true;
        return llvm::Error::success();
      }
    }
    if (!isOp(Close))
      return expectOp(Paren && !F.SawComma ? ")" : ",");
    ++Pos;
    auto N = std::make_unique<AstNode>(AstNode::Display, F.Open);
    N->Text = Paren ? "tuple" : "set";
    N->Args = std::move(F.Items);
    return closeFrame(std::move(N), F.Open);
  }

  /// Pops the current level; its value is an operand of the level around.
  /// Loc positions a height error (none for a parenthesized expression,
  /// which adds no node).
  llvm::Error closeFrame(AstPtr Value, SourceLoc Loc) {
    if (Loc.Line > 0) {
      auto F = finish(std::move(Value), Loc);
      if (!F)
        return F.takeError();
      Value = std::move(*F);
    }
    Frames.pop_back();
    frame().Operands.push_back(std::move(Value));
    return llvm::Error::success();
  }
};

} // namespace

Expected<AstPtr> parseExpression(std::string_view Text) {
  auto Tokens = lex(Text);
  if (!Tokens)
    return Tokens.takeError();
  return Parser(std::move(*Tokens)).parseTop();
}

Expected<AstPtr> parseTokens(std::vector<Token> Tokens) {
  return Parser(std::move(Tokens)).parseTop();
}

} // namespace nejit

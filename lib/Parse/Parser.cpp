//===- Parse/Parser.cpp - Expression text to AST --------------------------===//
/// \file
/// Each parse function's comment gives its grammar rule. Boolean operators,
/// conditional expressions and chained comparisons parse (so that Sema can
/// reject them with numexpr's message) but never evaluate.
//===----------------------------------------------------------------------===//
#include "Parse/Parser.h"
#include "Parse/Lexer.h"

namespace nejit {

namespace {

class Parser {
public:
  explicit Parser(std::vector<Token> Tokens) : Tokens(std::move(Tokens)) {}

  Expected<AstPtr> parseTop() {
    auto E = parseExpr();
    if (!E)
      return E.takeError();
    if (cur().K != Token::End)
      return unexpected();
    return E;
  }

private:
  std::vector<Token> Tokens;
  size_t Pos = 0;
  int Depth = 0;

  const Token &cur() const { return Tokens[Pos]; }
  bool isOp(const char *S) const {
    return cur().K == Token::Op && cur().Text == S;
  }
  bool isKeyword(const char *S) const {
    return cur().K == Token::Name && cur().Text == S;
  }
  const Token &take() { return Tokens[Pos++]; }

  llvm::Error unexpected() {
    const Token &T = cur();
    if (T.K == Token::End)
      return makeError(ErrorKind::Syntax, T.Loc,
                       "unexpected end of expression");
    return makeError(ErrorKind::Syntax, T.Loc,
                     "invalid syntax: unexpected '" + T.Text + "'");
  }
  llvm::Error expectOp(const char *S) {
    if (!isOp(S))
      return makeError(ErrorKind::Syntax, cur().Loc,
                       std::string("expected '") + S + "'" +
                           (cur().K == Token::End
                                ? std::string(" before end of expression")
                                : " but found '" + cur().Text + "'"));
    ++Pos;
    return llvm::Error::success();
  }

  struct DepthGuard {
    Parser &P;
    explicit DepthGuard(Parser &P) : P(P) { ++P.Depth; }
    ~DepthGuard() { --P.Depth; }
  };
  llvm::Error checkDepth() {
    if (Depth > MaxParseDepth)
      return makeError(ErrorKind::Syntax, cur().Loc,
                       "expression is nested too deeply");
    return llvm::Error::success();
  }

  /// Sets N's height; a tree taller than MaxTreeHeight is an error at Loc.
  static Expected<AstPtr> finish(AstPtr N, SourceLoc Loc) {
    N->updateHeight();
    if (N->Height > MaxTreeHeight)
      return makeError(ErrorKind::Syntax, Loc,
                       "expression is nested too deeply");
    return N;
  }

  static Expected<AstPtr> binary(std::string Op, SourceLoc OpLoc, AstPtr L,
                                 AstPtr R) {
    auto N = std::make_unique<AstNode>(AstNode::Binary, L->Loc);
    N->Text = std::move(Op);
    N->OpLocs.push_back(OpLoc);
    N->Args.push_back(std::move(L));
    N->Args.push_back(std::move(R));
    return finish(std::move(N), OpLoc);
  }

  /// expr := or_test ['if' or_test 'else' expr]
  Expected<AstPtr> parseExpr() {
    DepthGuard G(*this);
    if (auto E = checkDepth())
      return E;
    auto Body = parseOr();
    if (!Body)
      return Body;
    if (!isKeyword("if"))
      return Body;
    auto N = std::make_unique<AstNode>(AstNode::IfExp, cur().Loc);
    ++Pos;
    auto Cond = parseOr();
    if (!Cond)
      return Cond;
    if (!isKeyword("else"))
      return unexpected();
    ++Pos;
    auto Else = parseExpr();
    if (!Else)
      return Else;
    N->Args.push_back(std::move(*Body));
    N->Args.push_back(std::move(*Cond));
    N->Args.push_back(std::move(*Else));
    SourceLoc Loc = N->Loc;
    return finish(std::move(N), Loc);
  }

  /// or_test := and_test ('or' and_test)*
  /// and_test := not_test ('and' not_test)*
  Expected<AstPtr> parseOr() { return parseBoolOp("or"); }
  Expected<AstPtr> parseBoolOp(const char *Word) {
    bool IsOr = std::string(Word) == "or";
    auto L = IsOr ? parseBoolOp("and") : parseNot();
    if (!L)
      return L;
    if (!isKeyword(Word))
      return L;
    auto N = std::make_unique<AstNode>(AstNode::BoolOp, cur().Loc);
    N->Text = Word;
    N->Args.push_back(std::move(*L));
    while (isKeyword(Word)) {
      ++Pos;
      SourceLoc Loc = cur().Loc;
      auto R = IsOr ? parseBoolOp("and") : parseNot();
      if (!R)
        return R;
      N->Args.push_back(std::move(*R));
      N->updateHeight();
      if (N->Height > MaxTreeHeight)
        return makeError(ErrorKind::Syntax, Loc,
                         "expression is nested too deeply");
    }
    return N;
  }

  /// not_test := 'not' not_test | comparison
  Expected<AstPtr> parseNot() {
    if (!isKeyword("not"))
      return parseComparison();
    DepthGuard G(*this);
    if (auto E = checkDepth())
      return E;
    auto N = std::make_unique<AstNode>(AstNode::Unary, cur().Loc);
    N->Text = "not";
    ++Pos;
    auto A = parseNot();
    if (!A)
      return A;
    N->Args.push_back(std::move(*A));
    SourceLoc Loc = N->Loc;
    return finish(std::move(N), Loc);
  }

  /// comparison := bor (compop bor)*
  /// compop := '<' | '>' | '==' | '>=' | '<=' | '!=' | 'in' | 'not' 'in'
  ///         | 'is' | 'is' 'not'
  Expected<AstPtr> parseComparison() {
    auto L = parseBitOr();
    if (!L)
      return L;
    AstPtr N;
    while (true) {
      std::string Op;
      SourceLoc OpLoc = cur().Loc;
      if (cur().K == Token::Op &&
          (cur().Text == "<" || cur().Text == ">" || cur().Text == "==" ||
           cur().Text == ">=" || cur().Text == "<=" || cur().Text == "!=")) {
        Op = take().Text;
      } else if (isKeyword("in")) {
        ++Pos;
        Op = "in";
      } else if (isKeyword("not") && Pos + 1 < Tokens.size() &&
                 Tokens[Pos + 1].K == Token::Name &&
                 Tokens[Pos + 1].Text == "in") {
        Pos += 2;
        Op = "not in";
      } else if (isKeyword("is")) {
        ++Pos;
        Op = "is";
        if (isKeyword("not")) {
          ++Pos;
          Op = "is not";
        }
      } else {
        break;
      }
      if (!N) {
        N = std::make_unique<AstNode>(AstNode::Compare, (*L)->Loc);
        N->Args.push_back(std::move(*L));
      }
      auto R = parseBitOr();
      if (!R)
        return R;
      N->Ops.push_back(Op);
      N->OpLocs.push_back(OpLoc);
      N->Args.push_back(std::move(*R));
      N->updateHeight();
      if (N->Height > MaxTreeHeight)
        return makeError(ErrorKind::Syntax, OpLoc,
                         "expression is nested too deeply");
    }
    if (!N)
      return L;
    return N;
  }

  /// A left-associative level: Next (op Next)*
  template <typename NextFn>
  Expected<AstPtr> parseLeftAssoc(std::initializer_list<const char *> OpSet,
                                  NextFn Next) {
    auto L = (this->*Next)();
    if (!L)
      return L;
    AstPtr Acc = std::move(*L);
    while (cur().K == Token::Op) {
      const char *Found = nullptr;
      for (const char *Op : OpSet)
        if (cur().Text == Op)
          Found = Op;
      if (!Found)
        break;
      SourceLoc OpLoc = cur().Loc;
      ++Pos;
      auto R = (this->*Next)();
      if (!R)
        return R;
      auto B = binary(Found, OpLoc, std::move(Acc), std::move(*R));
      if (!B)
        return B;
      Acc = std::move(*B);
    }
    return Acc;
  }

  /// bor := bxor ('|' bxor)*
  Expected<AstPtr> parseBitOr() {
    return parseLeftAssoc({"|"}, &Parser::parseBitXor);
  }
  /// bxor := band ('^' band)*
  Expected<AstPtr> parseBitXor() {
    return parseLeftAssoc({"^"}, &Parser::parseBitAnd);
  }
  /// band := shift ('&' shift)*
  Expected<AstPtr> parseBitAnd() {
    return parseLeftAssoc({"&"}, &Parser::parseShift);
  }
  /// shift := arith (('<<' | '>>') arith)*
  Expected<AstPtr> parseShift() {
    return parseLeftAssoc({"<<", ">>"}, &Parser::parseArith);
  }
  /// arith := term (('+' | '-') term)*
  Expected<AstPtr> parseArith() {
    return parseLeftAssoc({"+", "-"}, &Parser::parseTerm);
  }
  /// term := factor (('*' | '/' | '//' | '%' | '@') factor)*
  Expected<AstPtr> parseTerm() {
    return parseLeftAssoc({"*", "/", "//", "%", "@"}, &Parser::parseFactor);
  }

  /// factor := ('+' | '-' | '~') factor | power
  Expected<AstPtr> parseFactor() {
    if (isOp("+") || isOp("-") || isOp("~")) {
      DepthGuard G(*this);
      if (auto E = checkDepth())
        return E;
      auto N = std::make_unique<AstNode>(AstNode::Unary, cur().Loc);
      N->Text = take().Text;
      auto A = parseFactor();
      if (!A)
        return A;
      N->Args.push_back(std::move(*A));
      SourceLoc Loc = N->Loc;
      return finish(std::move(N), Loc);
    }
    return parsePower();
  }

  /// power := primary ['**' factor]   (right-associative through factor)
  Expected<AstPtr> parsePower() {
    auto Base = parsePrimary();
    if (!Base)
      return Base;
    if (!isOp("**"))
      return Base;
    SourceLoc OpLoc = cur().Loc;
    ++Pos;
    DepthGuard G(*this);
    if (auto E = checkDepth())
      return E;
    auto Exp = parseFactor();
    if (!Exp)
      return Exp;
    return binary("**", OpLoc, std::move(*Base), std::move(*Exp));
  }

  /// primary := atom ( '(' arglist ')' | '.' NAME )*
  Expected<AstPtr> parsePrimary() {
    auto A = parseAtom();
    if (!A)
      return A;
    AstPtr N = std::move(*A);
    while (true) {
      if (isOp("(")) {
        if (N->K != AstNode::Name)
          return makeError(ErrorKind::Type, cur().Loc,
                           "only functions can be called");
        auto Call = std::make_unique<AstNode>(AstNode::Call, N->Loc);
        Call->Text = N->Text;
        SourceLoc Loc = cur().Loc;
        ++Pos;
        if (auto E = parseArgList(*Call))
          return E;
        auto F = finish(std::move(Call), Loc);
        if (!F)
          return F;
        N = std::move(*F);
      } else if (isOp(".")) {
        ++Pos;
        if (cur().K != Token::Name)
          return unexpected();
        auto Attr = std::make_unique<AstNode>(AstNode::Attribute, cur().Loc);
        Attr->Text = take().Text;
        Attr->Args.push_back(std::move(N));
        SourceLoc Loc = Attr->Loc;
        auto F = finish(std::move(Attr), Loc);
        if (!F)
          return F;
        N = std::move(*F);
      } else {
        return N;
      }
    }
  }

  /// arglist := [arg (',' arg)* [',']] ')'
  /// arg := expr | NAME '=' expr
  llvm::Error parseArgList(AstNode &Call) {
    while (!isOp(")")) {
      if (cur().K == Token::Name && Pos + 1 < Tokens.size() &&
          Tokens[Pos + 1].K == Token::Op && Tokens[Pos + 1].Text == "=") {
        SourceLoc KLoc = cur().Loc;
        std::string Key = take().Text;
        ++Pos;
        auto V = parseExpr();
        if (!V)
          return V.takeError();
        Call.Keywords.emplace_back(Key, std::move(*V));
        Call.KeywordLocs.push_back(KLoc);
      } else {
        if (!Call.Keywords.empty())
          return makeError(ErrorKind::Syntax, cur().Loc,
                           "positional argument follows keyword argument");
        auto V = parseExpr();
        if (!V)
          return V.takeError();
        Call.Args.push_back(std::move(*V));
      }
      if (isOp(","))
        ++Pos;
      else if (!isOp(")"))
        return expectOp(")");
    }
    ++Pos;
    return llvm::Error::success();
  }

  /// display := '(' [expr (',' expr)* [',']] ')' | '{' [expr (',' expr)*
  ///            [',']] '}'   -- tuples and sets parse (Python evaluates them)
  ///            but are never values of an expression; Sema says so.
  Expected<AstPtr> display(const char *What, SourceLoc Open, const char *Close,
                           AstPtr First = nullptr) {
    auto N = std::make_unique<AstNode>(AstNode::Display, Open);
    N->Text = What;
    if (First)
      N->Args.push_back(std::move(First));
    while (!isOp(Close)) {
      if (!N->Args.empty()) {
        if (auto E = expectOp(","))
          return E;
        if (isOp(Close))
          break;
      }
      auto E = parseExpr();
      if (!E)
        return E;
      N->Args.push_back(std::move(*E));
    }
    ++Pos;
    return finish(std::move(N), Open);
  }

  /// atom := NAME | INT | FLOAT | IMAG | STRING+ | 'True' | 'False' | 'None'
  ///       | '(' expr ')' | display
  Expected<AstPtr> parseAtom() {
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
    case Token::Op:
      if (T.Text == "(") {
        SourceLoc Open = T.Loc;
        ++Pos;
        if (isOp(")"))
          return display("tuple", Open, ")");
        auto E = parseExpr();
        if (!E)
          return E;
        if (isOp(","))
          return display("tuple", Open, ")", std::move(*E));
        if (auto Err = expectOp(")"))
          return Err;
        return E;
      }
      if (T.Text == "{") {
        SourceLoc Open = T.Loc;
        ++Pos;
        if (isOp("}"))
          return display("dict", Open, "}");
        return display("set", Open, "}");
      }
      return unexpected();
    case Token::End:
      return unexpected();
    }
    return unexpected();
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

//===- test/fuzz/FuzzFrontend.cpp - libFuzzer target: text to LLVM IR -----===//
/// \file
/// One fuzz input is one expression plus an optional header choosing the
/// signature's dtypes, the operand layouts, options and target, so that the
/// fuzzer explores types and code paths, not only syntax:
///
///     sig:<dtypes>/<layouts>/<flags>\n<expression>
///
/// dtypes: one letter per variable in order of first appearance, reused
///   cyclically: b bool, i int32, l int64, f float32, d float64, c complex128,
///   s bytes (S1..S8 by position); any other byte picks one by its value.
/// layouts: output first, then inputs cyclically: c contiguous, b broadcast,
///   s strided, n streaming (output only); reductions always get the
///   runtime's broadcast accumulator.
/// flags: h/l/x accuracy high/low/fast, N/M/A optimization none/moderate/
///   aggressive, 0-3 target: host, x86-64+avx2+fma, x86-64 (SSE2),
///   skylake-avx512.
/// Without a header every variable is float64 on the host.
///
/// Each input runs variableNames, usedVariableNames, parse, Sema, the IR
/// verifier, the passes and code generation for two layout variants, and
/// verifies the LLVM module. Rejected input is fine; what is not fine (and
/// aborts, so libFuzzer records the input) is any crash or sanitizer report,
/// an exception other than nejit::Error, an error whose position lies outside
/// the expression, an "internal error" (invalid IR), or a module that fails
/// llvm::verifyModule. NEJIT_FUZZ_PRINT=1 prints each decoded input.
//===----------------------------------------------------------------------===//
#include "API/Internal.h"
#include "IR/IR.h"
#include "JIT/Target.h"
#include "nejit/nejit.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace nejit;

namespace {

/// The decoded fuzz input.
struct Input {
  std::string_view Expr;
  std::string DTypes, Layouts, Flags;
};

Input decode(std::string_view Data) {
  Input In;
  In.Expr = Data;
  if (Data.substr(0, 4) != "sig:")
    return In;
  size_t End = Data.find('\n');
  if (End == std::string_view::npos)
    return In;
  std::string_view Header = Data.substr(4, End - 4);
  In.Expr = Data.substr(End + 1);
  std::string *Field[] = {&In.DTypes, &In.Layouts, &In.Flags};
  for (std::string *F : Field) {
    size_t Slash = Header.find('/');
    *F = std::string(Header.substr(0, Slash));
    if (Slash == std::string_view::npos)
      break;
    Header = Header.substr(Slash + 1);
  }
  return In;
}

Arg argFor(const std::string &Name, char Code, size_t Index) {
  static const DType ByValue[] = {
      DType::Bool,    DType::Int32,      DType::Int64, DType::Float32,
      DType::Float64, DType::Complex128, DType::Bytes};
  Arg A;
  A.Name = Name;
  switch (Code) {
  case 'b':
    A.Type = DType::Bool;
    break;
  case 'i':
    A.Type = DType::Int32;
    break;
  case 'l':
    A.Type = DType::Int64;
    break;
  case 'f':
    A.Type = DType::Float32;
    break;
  case 'd':
    A.Type = DType::Float64;
    break;
  case 'c':
    A.Type = DType::Complex128;
    break;
  case 's':
    A.Type = DType::Bytes;
    break;
  default:
    A.Type = ByValue[(unsigned char)Code % 7];
    break;
  }
  if (A.Type == DType::Bytes)
    A.ItemSize = int64_t(1 + Index % 8);
  return A;
}

codegen::Layout layoutFor(char Code, bool Output) {
  switch (Code) {
  case 'b':
    return Output ? codegen::Layout::Contiguous : codegen::Layout::Broadcast;
  case 's':
    return codegen::Layout::Strided;
  case 'n':
    return Output ? codegen::Layout::Streaming : codegen::Layout::Contiguous;
  default:
    return codegen::Layout::Contiguous;
  }
}

[[noreturn]] void fail(const Input &In, const std::string &What) {
  std::fprintf(stderr,
               "nejit-fuzz: %s\n  expression (%zu bytes): %.*s\n  header: "
               "dtypes '%s' layouts '%s' flags '%s'\n",
               What.c_str(), In.Expr.size(),
               int(std::min<size_t>(In.Expr.size(), 2000)), In.Expr.data(),
               In.DTypes.c_str(), In.Layouts.c_str(), In.Flags.c_str());
  std::abort();
}

/// Counts line:column the way the lexer does: lines end at "\n", "\r\n" or
/// a lone "\r" (Python's rule), columns count characters, not UTF-8
/// continuation bytes; one past the end is inside (an "unexpected end of
/// expression").
bool positionInside(std::string_view Expr, int Line, int Col) {
  int L = 1, C = 1;
  for (size_t I = 0; I < Expr.size(); ++I) {
    unsigned char Ch = (unsigned char)Expr[I];
    if ((Ch & 0xC0) == 0x80)
      continue; // inside a character: same column
    if (L == Line && C == Col)
      return true;
    bool CrLf = Ch == '\r' && I + 1 < Expr.size() && Expr[I + 1] == '\n';
    if (Ch == '\n' || (Ch == '\r' && !CrLf)) {
      ++L;
      C = 1;
    } else {
      ++C; // the "\r" of "\r\n" too, as in the lexer
    }
  }
  return L == Line && C == Col;
}

/// The error contract of the public API.
void checkError(const Input &In, const Error &E) {
  if (E.message().empty())
    fail(In, "an error without a message");
  // A prefix, not a substring: messages quote the user's text, which may
  // say "internal error" too.
  if (E.message().rfind("internal error", 0) == 0)
    fail(In, std::string("internal error: ") + E.what());
  if (E.line() != 0 && !positionInside(In.Expr, E.line(), E.column()))
    fail(In, "error position " + std::to_string(E.line()) + ":" +
                 std::to_string(E.column()) +
                 " outside the expression: " + E.what());
}

const jit::HostTarget *targetFor(char Code) {
  struct Alt {
    const char *CPU, *Features;
  };
  static const Alt Alts[] = {
      {"x86-64", "+avx2,+fma"}, {"x86-64", ""}, {"skylake-avx512", ""}};
  static std::optional<jit::HostTarget> Made[3];
  int K = Code - '1';
  if (K < 0 || K > 2)
    return &jit::hostTarget();
  if (!Made[K]) {
    auto T = jit::makeTarget(Alts[K].CPU, Alts[K].Features);
    if (!T) {
      llvm::consumeError(T.takeError());
      return &jit::hostTarget();
    }
    Made[K] = std::move(*T);
  }
  return &*Made[K];
}

/// Emits and verifies the module for one layout variant.
void buildAndVerify(const Input &In, const internal::Frontend &FE,
                    const codegen::KernelSpec &Spec, const Options &Opts,
                    const jit::HostTarget &T) {
  llvm::LLVMContext Ctx;
  auto M = internal::buildModule(FE.IR, Spec, Opts, T, Ctx);
  if (!M) {
    // Code generation may refuse what it does not support, with a
    // diagnostic; that is not a crash. (The Python binding would raise it.)
    std::string Msg = llvm::toString(M.takeError());
    if (Msg.rfind("internal error", 0) == 0)
      fail(In, "code generation: " + Msg);
    return;
  }
  std::string Problems;
  llvm::raw_string_ostream OS(Problems);
  if (llvm::verifyModule(**M, &OS))
    fail(In, "invalid LLVM module for layout " + Spec.key() + ": " + OS.str() +
                 "\nIR:\n" + ir::print(FE.IR));
}

void runOne(const Input &In) {
  std::vector<std::string> Names;
  try {
    Names = variableNames(In.Expr);
  } catch (const Error &E) {
    checkError(In, E);
    return;
  }
  Signature Sig;
  for (size_t K = 0; K < Names.size(); ++K)
    Sig.push_back(
        argFor(Names[K],
               In.DTypes.empty() ? 'd' : In.DTypes[K % In.DTypes.size()], K));
  Options Opts;
  char TargetCode = '0';
  for (char F : In.Flags) {
    switch (F) {
    case 'h':
      Opts.Acc = Accuracy::High;
      break;
    case 'l':
      Opts.Acc = Accuracy::Low;
      break;
    case 'x':
      Opts.Acc = Accuracy::Fast;
      break;
    case 'N':
      Opts.Opt = Optimization::None;
      break;
    case 'M':
      Opts.Opt = Optimization::Moderate;
      break;
    case 'A':
      Opts.Opt = Optimization::Aggressive;
      break;
    default:
      if (F >= '0' && F <= '3')
        TargetCode = F;
    }
  }
  if (std::getenv("NEJIT_FUZZ_PRINT")) {
    std::string S;
    for (const Arg &A : Sig)
      S += A.Name + ":" + dtypeName(A.Type) +
           (A.Type == DType::Bytes ? std::to_string(A.ItemSize) : "") + ",";
    std::fprintf(stderr, "nejit-fuzz: sig %s layouts '%s' flags '%s'\n  %.*s\n",
                 S.c_str(), In.Layouts.c_str(), In.Flags.c_str(),
                 int(In.Expr.size()), In.Expr.data());
  }

  try {
    (void)usedVariableNames(In.Expr, Opts.Opt);
  } catch (const Error &E) {
    checkError(In, E);
  }

  auto FE = internal::runFrontend(In.Expr, Sig, Opts);
  if (!FE) {
    // Through the API's own conversion, so the public contract is checked.
    try {
      (void)internal::disForTarget(In.Expr, Sig, Stage::IR, Opts,
                                   jit::hostTarget());
    } catch (const Error &E) {
      checkError(In, E);
      llvm::consumeError(FE.takeError());
      return;
    }
    fail(In, "runFrontend failed but dis() did not: " +
                 llvm::toString(FE.takeError()));
  }
  (void)ir::print(FE->InitialIR);
  const jit::HostTarget &T = *targetFor(TargetCode);

  codegen::KernelSpec Plain = internal::contiguousSpec(FE->IR);
  buildAndVerify(In, *FE, Plain, Opts, T);
  if (In.Layouts.empty())
    return;
  codegen::KernelSpec Spec = Plain;
  bool Reduction = ir::isReduction(FE->IR.result().Op);
  for (size_t K = 0; K < Spec.Layouts.size(); ++K) {
    char Code =
        K == 0 ? In.Layouts[0]
               : In.Layouts[1 + (K - 1) %
                                    std::max<size_t>(1, In.Layouts.size() - 1)];
    if (K > 0 && In.Layouts.size() == 1)
      Code = 'c';
    Spec.Layouts[K] = layoutFor(Code, K == 0);
  }
  if (Reduction)
    Spec.Layouts[0] = codegen::Layout::Broadcast;
  if (Spec.key() != Plain.key())
    buildAndVerify(In, *FE, Spec, Opts, T);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  runOne(decode(std::string_view(reinterpret_cast<const char *>(Data), Size)));
  return 0;
}

//===- tools/nejit-dis/nejit-dis.cpp - Print every compilation stage -----===//
/// \file
/// nejit-dis [--emit=ast|ir|opt-ir|kernel-ir|llvm|opt-llvm|asm]
///           [--sig a:f8,b:i4,s:S5]
///           [--accuracy=high|low|fast] [--backend=auto|sleef|vml|libm]
///           [--optimization=none|moderate|aggressive] [-O0..-O3]
///           [--mcpu=CPU] [--mattr=+f1,-f2] [--layout=CODES] EXPR
/// --layout picks the kernel variant to print: one code per operand, output
/// first: c contiguous, b broadcast, s strided, n streaming (output only).
/// kernel-ir is what the JIT compiles and caches: opt-ir with its literals
/// lifted into parameters (always broadcast) and inputs by position.
/// --backend=vml prints the VML block loop without loading MKL.
/// Prints one stage for EXPR; errors go to stderr as positioned diagnostics
/// and the exit status is 1. Deliberately parses its own flags: LLVM's
/// option registry is process-wide and not ours to touch.
//===----------------------------------------------------------------------===//
#include "API/Internal.h"
#include "JIT/Target.h"

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

using namespace nejit;

static int usage(const char *Msg) {
  std::fprintf(
      stderr,
      "nejit-dis: %s\n"
      "usage: nejit-dis [--emit=ast|ir|opt-ir|kernel-ir|llvm|opt-llvm|asm] "
      "[--sig NAME:DTYPE,...] [--accuracy=high|low|fast]\n"
      "                 [--backend=auto|sleef|vml|libm]\n"
      "                 [--optimization=none|moderate|aggressive] "
      "[-O0..-O3] [--mcpu=CPU] [--mattr=FEATURES] [--version]\n"
      "                 [--layout=c|b|s|n per operand, output first] "
      "EXPR|-\n",
      Msg);
  return 2;
}

static bool parseSignature(const std::string &Text, Signature &Sig,
                           std::string &Problem) {
  size_t Pos = 0;
  while (Pos < Text.size()) {
    size_t End = Text.find(',', Pos);
    std::string Item =
        Text.substr(Pos, End == std::string::npos ? End : End - Pos);
    Pos = End == std::string::npos ? Text.size() : End + 1;
    size_t Colon = Item.find(':');
    if (Colon == std::string::npos) {
      Problem = "signature entry '" + Item + "' is not NAME:DTYPE";
      return false;
    }
    Arg A;
    A.Name = Item.substr(0, Colon);
    auto T = parseDType(Item.substr(Colon + 1), &A.ItemSize);
    if (!T) {
      Problem = "unknown dtype '" + Item.substr(Colon + 1) + "'";
      return false;
    }
    A.Type = *T;
    if (A.Type == DType::Bytes && A.ItemSize == 0)
      A.ItemSize = 8;
    Sig.push_back(A);
  }
  return true;
}

int main(int Argc, char **Argv) {
  Stage S = Stage::LLVM;
  Signature Sig;
  Options Opts;
  std::string Expr, CPU, Attrs, Layouts;
  bool HaveExpr = false;
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    if (A == "--version") {
      std::printf("%s\n", versionString().c_str());
      return 0;
    }
    auto Value = [&](const std::string &Flag) -> std::optional<std::string> {
      if (A.rfind(Flag + "=", 0) == 0)
        return A.substr(Flag.size() + 1);
      if (A == Flag && I + 1 < Argc)
        return std::string(Argv[++I]);
      return std::nullopt;
    };
    if (auto V = Value("--emit")) {
      auto St = parseStage(*V);
      if (!St)
        return usage(("unknown stage '" + *V + "'").c_str());
      S = *St;
    } else if (auto V = Value("--sig")) {
      std::string Problem;
      if (!parseSignature(*V, Sig, Problem))
        return usage(Problem.c_str());
    } else if (auto V = Value("--accuracy")) {
      if (*V == "high")
        Opts.Acc = Accuracy::High;
      else if (*V == "low")
        Opts.Acc = Accuracy::Low;
      else if (*V == "fast")
        Opts.Acc = Accuracy::Fast;
      else
        return usage("accuracy must be high, low or fast");
    } else if (auto V = Value("--backend")) {
      if (*V == "auto")
        Opts.Backend = MathBackend::Auto;
      else if (*V == "sleef")
        Opts.Backend = MathBackend::Sleef;
      else if (*V == "vml")
        Opts.Backend = MathBackend::VML;
      else if (*V == "libm")
        Opts.Backend = MathBackend::Libm;
      else
        return usage("backend must be auto, sleef, vml or libm");
    } else if (auto V = Value("--optimization")) {
      if (*V == "none")
        Opts.Opt = Optimization::None;
      else if (*V == "moderate")
        Opts.Opt = Optimization::Moderate;
      else if (*V == "aggressive")
        Opts.Opt = Optimization::Aggressive;
      else
        return usage("optimization must be none, moderate or aggressive");
    } else if (A.size() == 3 && A.rfind("-O", 0) == 0 && A[2] >= '0' &&
               A[2] <= '3') {
      Opts.OptLevel = A[2] - '0';
    } else if (auto V = Value("--mcpu")) {
      CPU = *V;
    } else if (auto V = Value("--mattr")) {
      Attrs = *V;
    } else if (auto V = Value("--layout")) {
      Layouts = *V;
    } else if (A == "-h" || A == "--help") {
      usage("print one compilation stage of an expression");
      return 0;
    } else if (A == "-" && !HaveExpr) {
      Expr.assign(std::istreambuf_iterator<char>(std::cin), {});
      while (!Expr.empty() && (Expr.back() == '\n' || Expr.back() == '\r'))
        Expr.pop_back();
      HaveExpr = true;
    } else if (A.rfind("--", 0) == 0) {
      // Options are spelled with two dashes (besides -O<n> and -h), so an
      // expression may start with a unary minus: nejit-dis "-a ** 2".
      return usage(("unknown option '" + A + "'").c_str());
    } else if (!HaveExpr) {
      Expr = A;
      HaveExpr = true;
    } else {
      return usage("more than one expression given");
    }
  }
  if (!HaveExpr)
    return usage("no expression given");
  // A CPU this machine cannot run (NEJIT_CPU): one line, no code printed.
  if (!jit::targetSelectionError().empty()) {
    std::fprintf(stderr, "nejit-dis: error: %s\n",
                 jit::targetSelectionError().c_str());
    return 1;
  }
  try {
    jit::HostTarget Target = jit::hostTarget();
    if (!CPU.empty() || !Attrs.empty()) {
      auto T = jit::makeTarget(CPU, Attrs);
      if (!T) {
        std::string Msg = llvm::toString(T.takeError());
        return usage(Msg.c_str());
      }
      Target = *T;
    }
    std::string Out =
        internal::disForTarget(Expr, Sig, S, Opts, Target, Layouts);
    // Machine code depends on the CPU (NEJIT_CPU, --mcpu): say which.
    if (S == Stage::LLVM || S == Stage::OptLLVM || S == Stage::Asm)
      Out = std::string(S == Stage::Asm ? "# " : "; ") + "target cpu " +
            Target.CPU + ", " + std::to_string(Target.VectorBits) +
            "-bit vectors\n" + Out;
    std::fwrite(Out.data(), 1, Out.size(), stdout);
    if (!Out.empty() && Out.back() != '\n')
      std::fputc('\n', stdout);
    return 0;
  } catch (const Error &E) {
    std::fprintf(stderr, "%s\n", E.what());
    return 1;
  }
}

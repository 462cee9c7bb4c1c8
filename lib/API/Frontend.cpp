//===- API/Frontend.cpp - Text to optimized IR ----------------------------===//
/// \file
/// The front end as compile() and dis() run it: the signature's checks,
/// parsing, Sema, the passes, and the IR verified after each; then the
/// kernel IR the caches name (constants lifted, inputs by position).
//===----------------------------------------------------------------------===//
#include "API/Internal.h"

#include "Parse/Program.h"
#include "Sema/Sema.h"
#include "Transforms/Passes.h"

#include <atomic>
#include <cstdlib>
#include <unordered_map>

namespace nejit::internal {

/// A signature the front end can trust: known dtypes (a DType cast from an
/// out-of-range integer crashed code generation), distinct names.
static llvm::Error checkSignature(const Signature &Sig) {
  std::unordered_map<std::string_view, size_t> Seen;
  for (size_t I = 0; I < Sig.size(); ++I) {
    const Arg &A = Sig[I];
    if ((unsigned)A.Type > (unsigned)DType::Bytes)
      return makeError(ErrorKind::Value,
                       "input '" + sourceFragment(A.Name) +
                           "' has an invalid dtype (DType value " +
                           std::to_string((unsigned)A.Type) + ")");
    auto [It, New] = Seen.emplace(A.Name, I);
    if (!New)
      return makeError(ErrorKind::Value, "duplicate name '" +
                                             sourceFragment(A.Name) +
                                             "' in the signature (inputs " +
                                             std::to_string(It->second) +
                                             " and " + std::to_string(I) + ")");
  }
  return llvm::Error::success();
}

Expected<Frontend> runFrontend(std::string_view Expr, const Signature &Sig,
                               const Options &Opts) {
  if (auto E = checkSignature(Sig))
    return E;
  auto Ast = parseProgram(Expr);
  if (!Ast)
    return Ast.takeError();
  // The AST's text is printed on demand (disStage): a 10,000-term sum's is
  // 1.4 MB, and kernels are cached.
  Frontend Out;
  auto F = buildProgramIR(*Ast, Sig, Opts.Opt);
  if (!F)
    return F.takeError();
  Out.InitialIR = *F;
  std::string Problem = ir::verify(*F);
  if (!Problem.empty())
    return makeError(ErrorKind::Runtime,
                     "internal error: invalid IR from Sema: " + Problem);
  transforms::runPipeline(*F);
  Problem = ir::verify(*F);
  if (!Problem.empty())
    return makeError(ErrorKind::Runtime,
                     "internal error: invalid IR after passes: " + Problem);
  Out.IR = std::move(*F);
  return Out;
}

static std::atomic<int> LiftConstants{-1}; ///< -1: not read yet

bool liftConstantsEnabled() {
  int On = LiftConstants.load(std::memory_order_relaxed);
  if (On < 0) {
    const char *Env = std::getenv("NEJIT_LIFT_CONSTANTS");
    On = !(Env && std::string_view(Env) == "0");
    LiftConstants.store(On, std::memory_order_relaxed);
  }
  return On;
}

void setLiftConstantsForTesting(bool On) { LiftConstants.store(On); }

KernelIR kernelIR(const ir::Function &OptIR) {
  KernelIR K{OptIR, {}};
  if (liftConstantsEnabled())
    K.Params = transforms::liftConstants(K.IR);
  return K;
}

std::string kernelKeyText(const ir::Function &KernelIR) {
  ir::PrintOptions P;
  P.Names = false;
  return ir::print(KernelIR, P);
}

} // namespace nejit::internal

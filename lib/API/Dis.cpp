//===- API/Dis.cpp - The stages nejit-dis prints --------------------------===//
/// \file
/// Printing one compilation stage of an expression or program: the AST and
/// IR texts, a plan's passes, and for one loop its kernel IR, LLVM IR
/// before and after optimization, or assembly, for the host or another
/// target and any operand layouts.
//===----------------------------------------------------------------------===//
#include "API/Internal.h"
#include "API/PlanRunner.h"

#include "JIT/Engine.h"
#include "Parse/Program.h"
#include "Plan/Plan.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

namespace nejit::internal {

std::string disStage(std::string_view Expr, const std::string &AstText,
                     const ir::Function &InitialIR, const ir::Function &IR,
                     Stage S, const Options &Opts, const jit::HostTarget &T,
                     std::string_view Layouts) {
  switch (S) {
  case Stage::AST:
    if (AstText.empty())
      return printProgram(unwrap(parseProgram(Expr), Expr));
    return AstText;
  case Stage::IR:
    return ir::print(InitialIR);
  case Stage::OptIR:
    return ir::print(IR);
  default:
    break;
  }
  if (!plan::isSingleKernel(IR)) {
    // A plan: its passes, or the stage of each pass.
    if (S == Stage::Plan)
      return plan::printPlan(IR, plan::buildPlan(IR));
    if (!Layouts.empty())
      throw Error(ErrorKind::Value, "--layout applies to one-loop kernels, "
                                    "not to the passes of a plan");
    return PlanRunner(std::string(Expr), IR, Opts).disPasses(S, T);
  }
  if (S == Stage::Plan)
    return "plan: 1 pass over memory (one loop)\n" + ir::print(IR);
  return disLoop(Expr, IR, S, Opts, T, Layouts);
}

std::string disLoop(std::string_view Expr, const ir::Function &IR, Stage S,
                    const Options &Opts, const jit::HostTarget &T,
                    std::string_view Layouts) {
  KernelIR K = kernelIR(IR);
  if (S == Stage::KernelIR) {
    std::string Out = kernelKeyText(K.IR);
    for (size_t P = 0; P < K.Params.size(); ++P)
      Out += "param " + std::to_string(P) + " = " + K.Params[P].str() + "\n";
    return Out;
  }
  Options Resolved = Opts;
  Resolved.OwnMath = ownMathFor(Opts);
  Resolved.Backend =
      unwrap(resolveBackend(K.IR, Opts, /*RequireMkl=*/false), Expr);
  llvm::LLVMContext Ctx;
  codegen::KernelSpec Spec = contiguousSpec(K.IR);
  if (!Layouts.empty()) {
    size_t UserOperands = 1 + K.IR.numUserInputs();
    if (Layouts.size() != UserOperands)
      throw Error(ErrorKind::Value,
                  "--layout needs one code per operand (output first): " +
                      std::to_string(UserOperands));
    for (size_t K = 0; K < Layouts.size(); ++K) {
      static const codegen::Layout All[] = {
          codegen::Layout::Contiguous, codegen::Layout::Broadcast,
          codegen::Layout::Strided, codegen::Layout::Streaming};
      bool Known = false;
      for (codegen::Layout L : All)
        if (codegen::layoutCode(L) == Layouts[K]) {
          Spec.Layouts[K] = L;
          Known = true;
        }
      if (!Known)
        throw Error(ErrorKind::Value, std::string("unknown layout code '") +
                                          Layouts[K] + "' (use c, b, s, n)");
    }
  }
  auto M = buildModule(K.IR, Spec, Resolved, T, Ctx);
  if (!M)
    throwError(M.takeError(), Expr);
  if (S == Stage::OptLLVM)
    jit::optimizeModule(**M, (unsigned)Opts.OptLevel, &T);
  if (S == Stage::Asm)
    return unwrap(jit::emitAssembly(**M, (unsigned)Opts.OptLevel, &T), Expr);
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  (*M)->print(OS, nullptr);
  return OS.str();
}

std::string disForTarget(std::string_view Expr, const Signature &Sig, Stage S,
                         const Options &Opts, const jit::HostTarget &T,
                         std::string_view Layouts) {
  auto Ast = parseProgram(Expr);
  if (!Ast)
    throwError(Ast.takeError(), Expr);
  if (S == Stage::AST)
    return printProgram(*Ast);
  Frontend FE = unwrap(runFrontend(Expr, Sig, Opts), Expr);
  return disStage(Expr, FE.AstText, FE.InitialIR, FE.IR, S, Opts, T, Layouts);
}

} // namespace nejit::internal

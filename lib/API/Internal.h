//===- API/Internal.h - What nejit-dis needs beyond the API ----*- C++ -*-===//
/// \file
/// Stage printing for an explicit target (nejit-dis --mcpu/--mattr), shared
/// by the public dis() and Kernel::dis(); the stages one at a time (for
/// bench/).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_API_INTERNAL_H
#define NEJIT_API_INTERNAL_H

#include "CodeGen/CodeGen.h"
#include "IR/IR.h"
#include "JIT/Target.h"
#include "Runtime/Driver.h"
#include "Support/Diagnostic.h"
#include "nejit/nejit.h"

namespace nejit::internal {

struct Frontend {
  std::string AstText;
  ir::Function InitialIR, IR;
};

/// Parse, Sema, verify, passes, verify.
Expected<Frontend> runFrontend(std::string_view Expr, const Signature &Sig,
                               const Options &Opts);

/// The kernel module for one layout variant, prepared for target T.
Expected<std::unique_ptr<llvm::Module>>
buildModule(const ir::Function &F, const codegen::KernelSpec &Spec,
            const Options &O, const jit::HostTarget &T, llvm::LLVMContext &Ctx);

/// Every operand contiguous.
codegen::KernelSpec contiguousSpec(const ir::Function &F);

/// Layouts: one code per operand (output first) from codegen::layoutCode,
/// e.g. "ncb"; empty means every operand contiguous.
std::string disStage(std::string_view Expr, const std::string &AstText,
                     const ir::Function &InitialIR, const ir::Function &IR,
                     Stage S, const Options &Opts, const jit::HostTarget &T,
                     std::string_view Layouts = {});

/// Like nejit::dis, for target T rather than the host. Throws nejit::Error.
std::string disForTarget(std::string_view Expr, const Signature &Sig, Stage S,
                         const Options &Opts, const jit::HostTarget &T,
                         std::string_view Layouts = {});

/// A kernel of F alone (not a whole program: a pass of a plan), compiled
/// per layout variant and cached as any kernel's. Expr is for errors.
std::shared_ptr<Kernel::Impl> makeFunctionKernel(std::string_view Expr,
                                                 ir::Function F,
                                                 const Options &O);
/// K's compiled variant for Spec (compiled on first use). Throws Error.
runtime::KernelFn kernelVariant(const Kernel::Impl &K,
                                const codegen::KernelSpec &Spec);
const ir::Function &kernelIR(const Kernel::Impl &K);

/// Every output of a program's IR.
std::vector<OutputInfo> outputInfos(const ir::Function &Program);

/// Kernel::outputShapes of a program's IR.
Expected<std::vector<std::vector<int64_t>>>
outputShapes(const ir::Function &Program,
             const std::vector<std::vector<int64_t>> &InputShapes);

/// Kernel::run(Outputs, Inputs) for a kernel of one loop: the inputs
/// broadcast to the loop's shape, a reduced output's strides 0 along the
/// reduced dimensions, then the original run().
llvm::Error runOneLoop(const Kernel &K, const NdArray *Outs,
                       const NdArray *Ins);

/// The original run() of a plan kernel: every input of the one iteration
/// shape; the output of that shape too, or 0-d.
void runPlanOnOneShape(const Kernel &K, int NDim, const int64_t *Shape,
                       const ArrayView &Out, const ArrayView *Inputs);

/// disStage for one function (a pass of a plan).
std::string disFunction(std::string_view Expr, const ir::Function &F, Stage S,
                        const Options &Opts, const jit::HostTarget &T);

} // namespace nejit::internal

#endif // NEJIT_API_INTERNAL_H

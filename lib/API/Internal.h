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

/// Converts an internal error to the public nejit::Error (with Expr's line
/// and column when the error has them) and throws it.
[[noreturn]] void throwError(llvm::Error E, std::string_view Expr);

/// V's value, or its error thrown as nejit::Error.
template <typename T> T unwrap(llvm::Expected<T> V, std::string_view Expr) {
  if (!V)
    throwError(V.takeError(), Expr);
  return std::move(*V);
}

struct Frontend {
  std::string AstText;
  ir::Function InitialIR, IR;
};

/// Parse, Sema, verify, passes, verify.
Expected<Frontend> runFrontend(std::string_view Expr, const Signature &Sig,
                               const Options &Opts);

/// Options::Backend as this process serves F: Auto first takes
/// NEJIT_MATH_BACKEND's choice (envMathBackend), then becomes Sleef when
/// NEJIT_VML=0, when nothing in F would go to VML or when MKL cannot be
/// loaded (it is loaded here if F needs it), and VML when NEJIT_VML=1.
/// Backend::VML stays VML; with RequireMkl it is an error without MKL.
Expected<MathBackend> resolveBackend(const ir::Function &F, const Options &O,
                                     bool RequireMkl);

/// The backend NEJIT_MATH_BACKEND (auto, sleef, vml or libm; read once)
/// gives Options::Backend == Auto: Auto when unset or unrecognized.
MathBackend envMathBackend();

/// The C library's version ("glibc 2.36"), for the caches' keys of libm
/// kernels.
std::string libmVersion();

/// The kernel CodeGen compiles for an optimized IR: a copy with its
/// constants lifted into trailing parameters (transforms::liftConstants),
/// and their values in parameter order. Unlifted when lifting is off.
struct KernelIR {
  ir::Function IR;
  std::vector<ir::Scalar> Params;
};
KernelIR kernelIR(const ir::Function &OptIR);

/// The name-free text that identifies a kernel IR in the caches (inputs by
/// position, lifted constants as "param K").
std::string kernelKeyText(const ir::Function &KernelIR);

/// Whether compile() and dis() lift constants out of kernels: on, unless
/// the environment says NEJIT_LIFT_CONSTANTS=0. The switch exists so that
/// tests can compare both ways; it is part of compile()'s cache key.
bool liftConstantsEnabled();
void setLiftConstantsForTesting(bool On);

/// Throws the error that refused NEJIT_CPU, if it was (JIT/Target.h): the
/// entry points that would generate or run code call it first.
void checkTarget();

/// The identity of the binary nejit is linked into: its GNU build ID, else
/// its path, size and modification time. Part of the JIT cache key.
const std::string &buildIdentity();

/// The kernel module for one layout variant, prepared for target T.
Expected<std::unique_ptr<llvm::Module>>
buildModule(const ir::Function &F, const codegen::KernelSpec &Spec,
            const Options &O, const jit::HostTarget &T, llvm::LLVMContext &Ctx);

/// Every operand contiguous, lifted constants broadcast (and a reduction's
/// output: one accumulator).
codegen::KernelSpec contiguousSpec(const ir::Function &F);

/// Layouts: one code per operand (output first, then the signature's
/// inputs; lifted constants are always broadcast) from codegen::layoutCode,
/// e.g. "ncb"; empty means every operand contiguous. The LLVM stages show
/// the kernel as compiled: constants lifted (see kernelIR).
std::string disStage(std::string_view Expr, const std::string &AstText,
                     const ir::Function &InitialIR, const ir::Function &IR,
                     Stage S, const Options &Opts, const jit::HostTarget &T,
                     std::string_view Layouts = {});

/// Like nejit::dis, for target T rather than the host. Throws nejit::Error.
std::string disForTarget(std::string_view Expr, const Signature &Sig, Stage S,
                         const Options &Opts, const jit::HostTarget &T,
                         std::string_view Layouts = {});

/// A pass of a plan compiled as any kernel is (constants lifted, the body
/// shared by structure). Expr is for errors.
struct PassKernel;
std::shared_ptr<const PassKernel>
makePassKernel(std::string_view Expr, const ir::Function &F, const Options &O);
/// The function CodeGen compiles: the pass with its lifted constants as
/// trailing inputs (F.numUserInputs() are the pass's own).
const ir::Function &passKernelIR(const PassKernel &K);
/// Lifted constant Index: one element to pass broadcast.
const char *passParam(const PassKernel &K, size_t Index);
/// K's compiled variant for Spec (compiled on first use). Throws Error.
runtime::KernelFn passVariant(const PassKernel &K,
                              const codegen::KernelSpec &Spec);

/// A kernel's optimized program IR.
const ir::Function &programIR(const Kernel &K);

/// Every output of a program's IR.
std::vector<OutputInfo> outputInfos(const ir::Function &Program);

/// Kernel::outputShapes of a program's IR.
Expected<std::vector<std::vector<int64_t>>>
outputShapes(const ir::Function &Program,
             const std::vector<std::vector<int64_t>> &InputShapes);

/// Kernel::run(Outputs, Inputs) for a kernel of one loop: the inputs
/// broadcast to the loop's shape, a reduced output's strides 0 along the
/// reduced dimensions, then the original run().
llvm::Error runOneLoop(const Kernel &K, const NdArray *Outs, const NdArray *Ins,
                       const std::atomic<bool> *Cancel);

/// The original run() of a plan kernel: every input of the one iteration
/// shape; the output of that shape too, or 0-d.
void runPlanOnOneShape(const Kernel &K, int NDim, const int64_t *Shape,
                       const ArrayView &Out, const ArrayView *Inputs);

/// The kernel-IR and LLVM stages of one loop (a one-loop kernel, or a
/// pass of a plan).
std::string disLoop(std::string_view Expr, const ir::Function &IR, Stage S,
                    const Options &Opts, const jit::HostTarget &T,
                    std::string_view Layouts = {});

} // namespace nejit::internal

#endif // NEJIT_API_INTERNAL_H

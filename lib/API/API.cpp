//===- API/API.cpp - The public API's implementation ----------------------===//
/// \file
/// Kernels and compile(). Errors cross the boundary in lib/API: everything
/// below returns llvm::Error, everything here throws nejit::Error (through
/// internal::throwError, Types.cpp). A Kernel is the typed,
/// optimized IR of one (expression, signature, options) and the values of
/// its lifted constants; its machine code belongs to a body shared by every
/// expression of the same structure, compiled per operand layout on first
/// use and cached by the JIT.
//===----------------------------------------------------------------------===//
#include "API/Internal.h"
#include "API/PlanRunner.h"

#include "CodeGen/CodeGen.h"
#include "CodeGen/VmlMath.h"
#include "Interp/Interpreter.h"
#include "Interp/Tier.h"
#include "JIT/Engine.h"
#include "Parse/Parser.h"
#include "Parse/Program.h"
#include "Plan/Plan.h"
#include "Plan/Shapes.h"
#include "Runtime/Driver.h"
#include "Runtime/Helpers.h"
#include "Runtime/Threads.h"
#include "Runtime/Vml.h"
#include "Sema/Sema.h"
#include "Transforms/Passes.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <pthread.h>
#include <unordered_map>

namespace nejit {

using internal::throwError;
using internal::unwrap;

//===----------------------------------------------------------------------===//
// Kernel
//===----------------------------------------------------------------------===//

namespace {
/// What all expressions of one structure share (whatever their variable
/// names and lifted constants): the kernel IR CodeGen compiles, the text
/// that names it in the caches, and its compiled layout variants.
class KernelBody {
public:
  ir::Function IR;     ///< internal::kernelIR's: constants lifted
  std::string KeyText; ///< kernelKeyText(IR) + options + salt
  Options Opts;
  bool MayStream = false; ///< codegen::benefitsFromStreaming(IR)
  jit::HostTarget Target;

  /// The machine code for one layout variant (compiled on first use).
  /// Expr is only for error messages.
  runtime::KernelFn variant(const codegen::KernelSpec &Spec,
                            std::string_view Expr) const;
  /// The variant's code if it is compiled, else null (never compiles).
  runtime::KernelFn readyVariant(const std::string &Key) const {
    std::lock_guard<std::mutex> Lock(Mutex);
    auto It = Variants.find(Key);
    return It == Variants.end()
               ? nullptr
               : reinterpret_cast<runtime::KernelFn>(It->second->entry());
  }

  /// The interpreter tier over IR (lifted constants are broadcast inputs
  /// to it as to the JIT code): null when it cannot run this kernel.
  std::unique_ptr<const interp::Program> Tier1;
  mutable interp::TierState Tier;

private:
  mutable std::mutex Mutex;
  mutable std::map<std::string, std::shared_ptr<const jit::CompiledCode>>
      Variants;
};

/// A lifted constant as the kernel reads it: one element of its type.
struct ParamSlot {
  alignas(16) unsigned char Bytes[16] = {};
  int64_t Size = 0;
};

ParamSlot paramSlot(const ir::Scalar &V) {
  ParamSlot P;
  P.Size = dtypeSize(V.Type);
  auto Put = [&](auto X) { std::memcpy(P.Bytes, &X, sizeof X); };
  switch (V.Type) {
  case DType::Bool:
    Put((uint8_t)V.B);
    break;
  case DType::Int32:
    Put((int32_t)V.I);
    break;
  case DType::Int64:
    Put((int64_t)V.I);
    break;
  case DType::Float32:
    Put((float)V.F);
    break;
  case DType::Float64:
    Put(V.F);
    break;
  case DType::Complex128: {
    double Parts[2] = {V.C.real(), V.C.imag()};
    std::memcpy(P.Bytes, Parts, sizeof Parts);
    break;
  }
  case DType::Bytes: // never lifted
    break;
  }
  return P;
}
} // namespace

class Kernel::Impl {
public:
  std::string Expr;
  /// As compiled: the backend resolved (Auto becomes Sleef, VML or Auto's
  /// mix) and OwnMath whether nejit's own functions serve.
  Options Opts;
  /// As the caller gave them: dis() resolves them again, as nejit::dis()
  /// does (resolving Opts again would read its resolved Sleef as a request
  /// for Sleef's functions instead of nejit's own).
  Options Asked;
  std::string AstText;
  ir::Function InitialIR, IR;
  jit::HostTarget Target;
  /// Shared with every expression of the same structure.
  std::shared_ptr<const KernelBody> Body;
  /// The values of Body->IR's parameters for this expression.
  std::vector<ParamSlot> Params;
  /// Set, and Body null, when the program runs as a plan (several passes
  /// or several outputs).
  std::shared_ptr<const internal::PlanRunner> Plan;
};

namespace internal {
/// A pass of a plan, compiled as any kernel: a body shared by structure
/// and the values of its lifted constants.
struct PassKernel {
  std::string Expr;
  std::shared_ptr<const KernelBody> Body;
  std::vector<ParamSlot> Params;
};
} // namespace internal

namespace internal {

bool ownMathEnabled() {
  // Read once: a kernel's module may be built (JIT tier) long after
  // compile(), and must be built as compile() keyed it.
  static const bool On = [] {
    const char *Env = std::getenv("NEJIT_OWN_MATH");
    return !(Env && std::string_view(Env) == "0");
  }();
  return On;
}

bool ownMathFor(const Options &O) {
  return O.OwnMath && O.Backend != MathBackend::Sleef &&
         O.Backend != MathBackend::Libm && ownMathEnabled();
}

Expected<MathBackend> resolveBackend(const ir::Function &F, const Options &O,
                                     bool RequireMkl) {
  MathBackend Requested = O.Backend;
  if (Requested == MathBackend::Auto)
    Requested = envMathBackend();
  switch (Requested) {
  case MathBackend::Sleef:
    return MathBackend::Sleef;
  case MathBackend::Libm:
    return MathBackend::Libm;
  case MathBackend::VML:
    if (RequireMkl) {
      const runtime::VmlLibrary &L = runtime::vmlLibrary();
      if (!L.Loaded)
        return makeError(ErrorKind::Runtime,
                         "the VML backend needs Intel MKL: " + L.Problem);
    }
    return MathBackend::VML;
  case MathBackend::Auto:
    break;
  }
  runtime::VmlSwitch Switch = runtime::vmlSwitch();
  if (Switch == runtime::VmlSwitch::Off)
    return MathBackend::Sleef;
  bool Wanted = false;
  for (const ir::Inst &I : F.Insts)
    Wanted |=
        Switch == runtime::VmlSwitch::On
            ? codegen::vmlFunction(I.Op, I.Type).has_value()
            : codegen::vmlPreferred(I.Op, I.Type, O.Acc, runtime::cpuIsIntel());
  // Only a kernel that would call VML loads MKL.
  if (!Wanted || !runtime::vmlLibrary().Loaded)
    return MathBackend::Sleef;
  return Switch == runtime::VmlSwitch::On ? MathBackend::VML
                                          : MathBackend::Auto;
}

codegen::CodeGenOptions codegenOptions(const Options &O,
                                       const jit::HostTarget &T) {
  codegen::CodeGenOptions C;
  C.Acc = O.Acc;
  C.Backend = O.Backend;
  C.IntelCpu = runtime::cpuIsIntel();
  C.VectorBits = T.VectorBits;
  C.Isa.HasAVX512F = T.hasFeature("avx512f");
  C.Isa.HasAVX2 = T.hasFeature("avx2");
  C.Isa.HasFMA = T.hasFeature("fma");
  C.Isa.HasSSE41 = T.hasFeature("sse4.1");
  C.OwnMath = O.OwnMath;
  return C;
}

codegen::KernelSpec contiguousSpec(const ir::Function &F) {
  codegen::KernelSpec S;
  S.Layouts.assign(codegen::numOperands(F), codegen::Layout::Contiguous);
  for (size_t K = 1 + F.numUserInputs(); K < 1 + F.Inputs.size(); ++K)
    S.Layouts[K] = codegen::Layout::Broadcast;
  // A pass of a plan: its reductions fold into one state each.
  for (const codegen::OutputSlot &Slot : codegen::outputSlots(F))
    if (ir::isReduction(F.Insts[Slot.Inst].Op))
      for (unsigned Op : Slot.Operands)
        S.Layouts[Op] = codegen::Layout::Broadcast;
  if (!F.Outputs.empty())
    return S;
  // A reduction's usual form folds everything into one output element.
  if (ir::isReduction(F.result().Op))
    S.Layouts[0] = codegen::Layout::Broadcast;
  return S;
}

/// T is the host target (nejit-dis may pass another machine).
static bool isHost(const jit::HostTarget &T) {
  const jit::HostTarget &H = jit::hostTarget();
  return &T == &H ||
         (T.Triple == H.Triple && T.CPU == H.CPU && T.Features == H.Features);
}

Expected<std::unique_ptr<llvm::Module>>
buildModule(const ir::Function &F, const codegen::KernelSpec &Spec,
            const Options &O, const jit::HostTarget &T,
            llvm::LLVMContext &Ctx) {
  auto M =
      codegen::emitKernel(F, Spec, codegenOptions(O, T), Ctx, "nejit_kernel");
  if (!M)
    return M.takeError();
  // For the host, let the engine use its cached triple and data layout:
  // with an explicit target it builds a TargetMachine for them each time,
  // which cost ~120 us of a ~145 us emit (and was paid twice per compile).
  jit::prepareModule(**M, isHost(T) ? nullptr : &T);
  for (llvm::Function &Fn : **M)
    if (!Fn.isDeclaration()) {
      Fn.addFnAttr("target-cpu", T.CPU);
      Fn.addFnAttr("target-features", T.Features);
    }
  return M;
}

} // namespace internal

runtime::KernelFn KernelBody::variant(const codegen::KernelSpec &Spec,
                                      std::string_view Expr) const {
  std::string Key = Spec.key();
  {
    std::lock_guard<std::mutex> Lock(Mutex);
    auto It = Variants.find(Key);
    if (It != Variants.end())
      return reinterpret_cast<runtime::KernelFn>(It->second->entry());
  }
  runtime::registerHelpers();
  std::string CacheKey = KeyText + "\nlayout " + Key + "\nvector-bits " +
                         std::to_string(Target.VectorBits) + "\nbuild " +
                         internal::buildIdentity() + "\n";
  auto Build = [&]() -> Expected<llvm::orc::ThreadSafeModule> {
    auto Ctx = std::make_unique<llvm::LLVMContext>();
    auto M = internal::buildModule(IR, Spec, Opts, Target, *Ctx);
    if (!M)
      return M.takeError();
    return llvm::orc::ThreadSafeModule(std::move(*M), std::move(Ctx));
  };
  auto Code = jit::getOrCompile(CacheKey, Build, "nejit_kernel",
                                (unsigned)Opts.OptLevel);
  if (!Code)
    throwError(Code.takeError(), Expr);
  std::lock_guard<std::mutex> Lock(Mutex);
  auto &Slot = Variants[Key];
  if (!Slot)
    Slot = *Code;
  return reinterpret_cast<runtime::KernelFn>(Slot->entry());
}

//===----------------------------------------------------------------------===//
// Tiers (lib/Interp): which of interpreter and JIT code runs a variant
//===----------------------------------------------------------------------===//

/// The interpreter's program for a kernel, or null where it cannot run it
/// with the JIT's results (no block kernels for this host, strings, ...).
static std::unique_ptr<const interp::Program>
buildTier1(const ir::Function &F, const Options &O, const jit::HostTarget &T) {
  static const std::optional<interp::Isa> Isa =
      interp::hostIsa(jit::hostTarget());
  // The block kernels call Sleef and nejit's own functions: a kernel
  // resolved to VML or libm, or without its own functions, would give other
  // results in the two tiers.
  if (!Isa || !internal::isHost(T) || O.Backend == MathBackend::VML ||
      O.Backend == MathBackend::Libm || !O.OwnMath)
    return nullptr;
  return interp::Program::build(F, O.Acc, *Isa, T.VectorBits);
}

static_assert((int)Tier::Auto == (int)interp::TierMode::Auto &&
                  (int)Tier::Interp == (int)interp::TierMode::Interp &&
                  (int)Tier::Jit == (int)interp::TierMode::Jit,
              "nejit::Tier and interp::TierMode must agree");

/// Kernels this long are left to the interpreter under NEJIT_TIER=auto: LLVM
/// compile time grows faster than linearly with them.
static constexpr size_t MaxBackgroundInstructions = 2000;

/// The interpreter, or the JIT code if it is compiled already, for this
/// run under the interpreter tiers; nullopt: compile the JIT variant now
/// (see Interp/Tier.h for the policy).
static std::optional<runtime::KernelRef>
tier1Kernel(const std::shared_ptr<const KernelBody> &B,
            const codegen::KernelSpec &Spec, int64_t Elements) {
  const KernelBody &K = *B;
  interp::TierMode Mode = interp::tierMode();
  if (!K.Tier1 || Mode == interp::TierMode::Jit)
    return std::nullopt;
  interp::armExitGuard();
  if (Mode == interp::TierMode::Auto) {
    std::string Key = Spec.key();
    if (runtime::KernelFn Ready = K.readyVariant(Key))
      return runtime::KernelRef(Ready);
    auto Queue = [&]() -> bool {
      if (K.IR.Insts.size() > MaxBackgroundInstructions)
        return false;
      std::weak_ptr<const KernelBody> Weak = B;
      return interp::enqueueBackground([Weak, Spec, Key] {
        auto Held = Weak.lock();
        if (!Held)
          return;
        bool Ok = true;
        try {
          Held->variant(Spec, "<background>");
        } catch (...) {
          Ok = false;
        }
        Held->Tier.finished(Key, Ok);
      });
    };
    int64_t Steps = (int64_t)std::max<size_t>(1, K.Tier1->numSteps());
    K.Tier.interpreted(Key, Elements * Steps + interp::PerRunWork, Queue);
  }
  interp::countTier1Run();
  return K.Tier1->kernel();
}

Kernel::Kernel() = default;
Kernel::Kernel(std::shared_ptr<const Impl> I) : I(std::move(I)) {}
Kernel::~Kernel() = default;
Kernel::Kernel(const Kernel &) = default;
Kernel &Kernel::operator=(const Kernel &) = default;

static const Kernel::Impl &
checked(const std::shared_ptr<const Kernel::Impl> &I) {
  if (!I)
    throw Error(ErrorKind::Runtime, "use of an empty nejit::Kernel");
  return *I;
}

const std::string &Kernel::expression() const { return checked(I).Expr; }
const Signature &Kernel::signature() const { return checked(I).IR.Inputs; }

std::vector<std::string> Kernel::usedInputs() const {
  const Impl &K = checked(I);
  std::vector<bool> Used(K.IR.Inputs.size(), false);
  for (const ir::Inst &In : K.IR.Insts)
    if (In.Op == ir::Opcode::Input)
      Used[In.InputIndex] = true;
  std::vector<std::string> Out;
  for (size_t Idx = 0; Idx < Used.size(); ++Idx)
    if (Used[Idx])
      Out.push_back(K.IR.Inputs[Idx].Name);
  return Out;
}

DType Kernel::resultType() const { return checked(I).IR.result().Type; }

int64_t Kernel::resultItemSize() const {
  const ir::Inst &R = checked(I).IR.result();
  return R.Type == DType::Bytes ? R.ItemSize : dtypeSize(R.Type);
}

Reduction Kernel::reduction() const {
  if (checked(I).Plan)
    return Reduction::None; // not one outermost reduction
  switch (checked(I).IR.result().Op) {
  case ir::Opcode::Sum:
    return Reduction::Sum;
  case ir::Opcode::Prod:
    return Reduction::Prod;
  case ir::Opcode::Min:
    return Reduction::Min;
  case ir::Opcode::Max:
    return Reduction::Max;
  default:
    return Reduction::None;
  }
}

std::optional<int> Kernel::reductionAxis() const {
  const ir::Inst &R = checked(I).IR.result();
  return ir::isReduction(R.Op) && !checked(I).Plan ? R.Axis : std::nullopt;
}

void Kernel::run(int NDim, const int64_t *Shape, const ArrayView &Out,
                 const ArrayView *Inputs,
                 const std::atomic<bool> *Cancel) const {
  const Impl &K = checked(I);
  const ir::Function &F = K.IR;
  if (NDim < 0 || (NDim > 0 && !Shape))
    throw Error(ErrorKind::Value, "invalid iteration shape");
  for (int D = 0; D < NDim; ++D)
    if (Shape[D] < 0)
      throw Error(ErrorKind::Value, "negative extent " +
                                        std::to_string(Shape[D]) +
                                        " in dimension " + std::to_string(D));
  if (K.Plan)
    return internal::runPlanOnOneShape(*this, NDim, Shape, Out, Inputs);
  if (auto Axis = reductionAxis(); Axis && *Axis >= std::max(NDim, 1))
    throw Error(ErrorKind::Value, "reduction axis is out of bounds");
  static const int64_t NoStrides[1] = {0};
  runtime::RunRequest R;
  R.NDim = NDim;
  R.Shape = Shape;
  R.ResultType = F.result().Type;
  R.Reduce = F.result().Op;
  R.MayStreamOutput = K.Body->MayStream;
  R.Cancel = Cancel;
  auto Add = [&](const ArrayView &V, int64_t Size) {
    R.Data.push_back(static_cast<char *>(V.Data));
    R.Strides.push_back(V.Strides ? V.Strides : NoStrides);
    R.ElemSizes.push_back(Size);
  };
  Add(Out, resultItemSize());
  for (size_t Idx = 0; Idx < F.Inputs.size(); ++Idx) {
    const Arg &A = F.Inputs[Idx];
    Add(Inputs[Idx], A.Type == DType::Bytes ? A.ItemSize : dtypeSize(A.Type));
  }
  if (NDim > 0)
    for (size_t Op = 0; Op < R.Strides.size(); ++Op)
      if (R.Strides[Op] == NoStrides)
        throw Error(ErrorKind::Value, "an operand has no strides");
  // The lifted constants: one element each, broadcast along every
  // dimension.
  llvm::SmallVector<int64_t, 8> ZeroStrides(std::max(NDim, 1), 0);
  for (const ParamSlot &P : K.Params) {
    R.Data.push_back(
        const_cast<char *>(reinterpret_cast<const char *>(P.Bytes)));
    R.Strides.push_back(ZeroStrides.data());
    R.ElemSizes.push_back(P.Size);
  }
  // Elements only weighs the interpreter's work: saturate rather than wrap
  // (runtime::run refuses iteration spaces that overflow).
  int64_t Elements = 1;
  for (int D = 0; D < NDim; ++D)
    if (__builtin_mul_overflow(Elements, Shape[D], &Elements))
      Elements = INT64_MAX;
  const std::shared_ptr<const KernelBody> &Body = K.Body;
  if (llvm::Error E = runtime::run(
          R, [&](const codegen::KernelSpec &Spec) -> runtime::KernelRef {
            if (auto Ref = tier1Kernel(Body, Spec, Elements))
              return *Ref;
            return Body->variant(Spec, K.Expr);
          }))
    throwError(std::move(E), {});
}

void Kernel::run(int64_t N, void *Out, const void *const *Inputs) const {
  const Impl &K = checked(I);
  size_t NIn = K.IR.Inputs.size();
  std::vector<int64_t> Strides(1 + NIn);
  bool Reduce = reduction() != Reduction::None;
  Strides[0] = Reduce ? 0 : resultItemSize();
  std::vector<ArrayView> Views(NIn);
  for (size_t Idx = 0; Idx < NIn; ++Idx) {
    const Arg &A = K.IR.Inputs[Idx];
    Strides[1 + Idx] = A.Type == DType::Bytes ? A.ItemSize : dtypeSize(A.Type);
    Views[Idx] = {const_cast<void *>(Inputs[Idx]), &Strides[1 + Idx]};
  }
  run(1, &N, ArrayView{Out, &Strides[0]}, Views.data());
}

std::string Kernel::dis(Stage S) const {
  const Impl &K = checked(I);
  return internal::disStage(K.Expr, K.AstText, K.InitialIR, K.IR, S, K.Asked,
                            K.Target);
}

std::vector<OutputInfo> Kernel::outputs() const {
  return internal::outputInfos(checked(I).IR);
}

bool Kernel::isPlan() const { return checked(I).Plan != nullptr; }

int Kernel::passes() const {
  const Impl &K = checked(I);
  return K.Plan ? (int)K.Plan->plan().Passes.size() : 1;
}

std::vector<std::vector<int64_t>> Kernel::outputShapes(
    const std::vector<std::vector<int64_t>> &InputShapes) const {
  const Impl &K = checked(I);
  return unwrap(internal::outputShapes(K.IR, InputShapes), K.Expr);
}

void Kernel::run(const NdArray *Outputs, const NdArray *Inputs,
                 const std::atomic<bool> *Cancel) const {
  const Impl &K = checked(I);
  llvm::Error E = K.Plan ? K.Plan->run(Outputs, Inputs, Cancel)
                         : internal::runOneLoop(*this, Outputs, Inputs, Cancel);
  if (E)
    throwError(std::move(E), K.Expr);
}

//===----------------------------------------------------------------------===//
// compile / dis
//===----------------------------------------------------------------------===//


static std::string signatureKey(const Signature &Sig, const Options &O) {
  std::string K;
  for (const Arg &A : Sig) {
    K += A.Name;
    K += ':';
    K += dtypeName(A.Type);
    if (A.Type == DType::Bytes)
      K += std::to_string(A.ItemSize);
    K += ',';
  }
  K += '|';
  K += std::to_string((int)O.Acc) + std::to_string((int)O.Opt) +
       std::to_string(O.OptLevel) + std::to_string((int)O.Backend) +
       (internal::liftConstantsEnabled() ? "L" : "") +
       (internal::ownMathFor(O) ? "" : "S");
  return K;
}

/// compile()'s caches: front-end results keyed by (expression, signature,
/// options), and the kernel bodies they share, keyed by structure (the
/// kernel IR without names or lifted values, plus the options CodeGen
/// reads). A text never seen whose structure is known costs the front end
/// and a lookup: no LLVM module is built.
namespace {
struct KernelCache {
  std::mutex Mutex;
  std::unordered_map<std::string, std::shared_ptr<const Kernel::Impl>> Map;
  std::unordered_map<std::string, std::shared_ptr<const KernelBody>> Bodies;
};
KernelCache &kernelCache() {
  // Never destroyed (kernels may be compiled during exit). The lock is held
  // across fork(), so a child never inherits it locked by a thread that
  // does not exist there; it is never held while calling into the JIT, so
  // the JIT's own fork handlers cannot deadlock against it.
  static KernelCache *C = [] {
    auto *KC = new KernelCache;
    pthread_atfork([] { kernelCache().Mutex.lock(); },
                   [] { kernelCache().Mutex.unlock(); },
                   [] { kernelCache().Mutex.unlock(); });
    return KC;
  }();
  return *C;
}

/// Opts.Backend (resolved) as the caches must tell kernels apart: the
/// library, and for VML the CPU class Auto decides by and MKL's version.
std::string mathKey(const Options &Opts) {
  std::string Own = Opts.OwnMath ? "" : " no-own";
  if (Opts.Backend == MathBackend::Sleef)
    return "sleef" + Own;
  // The C library's version: another glibc may round differently.
  if (Opts.Backend == MathBackend::Libm)
    return "libm " + internal::libmVersion();
  return std::string(Opts.Backend == MathBackend::VML ? "vml" : "auto") +
         (runtime::cpuIsIntel() ? " intel " : " other ") +
         runtime::vmlLibrary().Version + Own;
}

/// The body for KIR's structure: found in the cache, or made (which builds
/// its LLVM module once, so that code generation errors surface at
/// compile() rather than at the first run).
std::shared_ptr<const KernelBody> findOrMakeBody(ir::Function KIR,
                                                 const Options &Opts,
                                                 std::string_view Salt,
                                                 std::string_view Expr) {
  KernelCache &KC = kernelCache();
  std::string Key = internal::kernelKeyText(KIR) + "accuracy " +
                    std::to_string((int)Opts.Acc) + "\nopt-level " +
                    std::to_string(Opts.OptLevel) + "\nmath " + mathKey(Opts) +
                    "\n";
  if (!Salt.empty())
    Key += "salt " + std::string(Salt) + "\n";
  {
    std::lock_guard<std::mutex> Lock(KC.Mutex);
    auto It = KC.Bodies.find(Key);
    if (It != KC.Bodies.end())
      return It->second;
  }
  std::string Problem = ir::verify(KIR);
  if (!Problem.empty())
    throwError(makeError(ErrorKind::Runtime,
                         "internal error: invalid kernel IR: " + Problem),
               Expr);
  auto Body = std::make_shared<KernelBody>();
  Body->IR = std::move(KIR);
  Body->KeyText = Key;
  Body->Opts = Opts;
  Body->MayStream = codegen::benefitsFromStreaming(Body->IR);
  Body->Target = jit::hostTarget();
  Body->Tier1 = buildTier1(Body->IR, Opts, Body->Target);
  if (!Body->Tier1) {
    // Surface code generation errors now rather than at the first run (a
    // kernel the interpreter runs has a block kernel for every operation,
    // so CodeGen emits all of them).
    llvm::LLVMContext Ctx;
    auto M = internal::buildModule(Body->IR, internal::contiguousSpec(Body->IR),
                                   Opts, Body->Target, Ctx);
    if (!M)
      throwError(M.takeError(), Expr);
  }
  std::lock_guard<std::mutex> Lock(KC.Mutex);
  if (KC.Bodies.size() > 8192)
    KC.Bodies.clear();
  auto &Slot = KC.Bodies[Key];
  if (!Slot)
    Slot = std::move(Body);
  return Slot;
}
} // namespace

/// NEJIT_CACHE_KEY_SALT, appended to every cache key: how a benchmark
/// compiles the very same kernel cold again. Read at every compile(), so
/// that it may change between calls.
static std::string_view cacheKeySalt() {
  const char *S = std::getenv("NEJIT_CACHE_KEY_SALT");
  return S ? S : "";
}

Kernel compile(std::string_view Expr, const Signature &Sig,
               const Options &Opts) {
  interp::armExitGuard();
  KernelCache &KC = kernelCache();
  std::string Key(Expr);
  Key += '\0';
  Key += signatureKey(Sig, Opts);
  std::string_view Salt = cacheKeySalt();
  if (!Salt.empty()) {
    Key += '\0';
    Key += Salt;
  }
  {
    std::lock_guard<std::mutex> Lock(KC.Mutex);
    auto It = KC.Map.find(Key);
    if (It != KC.Map.end())
      return Kernel(It->second);
  }
  if (Opts.OptLevel < 0 || Opts.OptLevel > 3)
    throw Error(ErrorKind::Value, "optimization level must be 0..3");
  internal::checkTarget();
  auto Impl = std::make_shared<Kernel::Impl>();
  Impl->Expr = std::string(Expr);
  Impl->Opts = Opts;
  Impl->Asked = Opts;
  Impl->Target = jit::hostTarget();
  internal::Frontend FE = unwrap(internal::runFrontend(Expr, Sig, Opts), Expr);
  Impl->AstText = std::move(FE.AstText);
  Impl->InitialIR = std::move(FE.InitialIR);
  Impl->IR = std::move(FE.IR);
  Impl->Opts.OwnMath = internal::ownMathFor(Opts);
  Impl->Opts.Backend = unwrap(
      internal::resolveBackend(Impl->IR, Opts, /*RequireMkl=*/true), Expr);
  if (plan::isSingleKernel(Impl->IR)) {
    internal::KernelIR KIR = internal::kernelIR(Impl->IR);
    for (const ir::Scalar &V : KIR.Params)
      Impl->Params.push_back(paramSlot(V));
    Impl->Body = findOrMakeBody(std::move(KIR.IR), Impl->Opts, Salt, Expr);
  } else {
    // Compiles every pass's body now, so that errors surface here.
    Impl->Plan = std::make_shared<internal::PlanRunner>(Impl->Expr, Impl->IR,
                                                        Impl->Opts);
  }
  std::lock_guard<std::mutex> Lock(KC.Mutex);
  if (KC.Map.size() > 8192)
    KC.Map.clear();
  auto &Slot = KC.Map[Key];
  if (!Slot)
    Slot = std::move(Impl);
  return Kernel(Slot);
}

std::string dis(std::string_view Expr, const Signature &Sig, Stage S,
                const Options &Opts) {
  return internal::disForTarget(Expr, Sig, S, Opts, jit::hostTarget());
}

std::vector<std::string> usedVariableNames(std::string_view Expr,
                                           Optimization Opt) {
  auto Ast = parseExpression(Expr);
  if (!Ast)
    throwError(Ast.takeError(), Expr);
  return unwrap(nejit::usedVariableNames(**Ast, Opt), Expr);
}

std::vector<std::string> variableNames(std::string_view Expr) {
  auto Ast = parseProgram(Expr);
  if (!Ast)
    throwError(Ast.takeError(), Expr);
  return collectProgramInputNames(*Ast);
}

namespace internal {

std::shared_ptr<const PassKernel>
makePassKernel(std::string_view Expr, const ir::Function &F, const Options &O) {
  auto P = std::make_shared<PassKernel>();
  P->Expr = std::string(Expr);
  KernelIR KIR = kernelIR(F);
  for (const ir::Scalar &V : KIR.Params)
    P->Params.push_back(paramSlot(V));
  P->Body = findOrMakeBody(std::move(KIR.IR), O, cacheKeySalt(), Expr);
  return P;
}

const ir::Function &passKernelIR(const PassKernel &K) { return K.Body->IR; }

const char *passParam(const PassKernel &K, size_t Index) {
  return reinterpret_cast<const char *>(K.Params[Index].Bytes);
}

runtime::KernelFn passVariant(const PassKernel &K,
                              const codegen::KernelSpec &Spec) {
  return K.Body->variant(Spec, K.Expr);
}

const ir::Function &programIR(const Kernel &K) { return checked(K.impl()).IR; }

} // namespace internal

void clearCache() {
  // Each cached kernel body holds its variants' code: drop those too, or
  // nothing would be released (nor reloaded from disk on the next compile).
  std::unordered_map<std::string, std::shared_ptr<const Kernel::Impl>> Old;
  std::unordered_map<std::string, std::shared_ptr<const KernelBody>> OldBodies;
  {
    KernelCache &KC = kernelCache();
    std::lock_guard<std::mutex> Lock(KC.Mutex);
    Old.swap(KC.Map);
    OldBodies.swap(KC.Bodies);
  }
  jit::clearMemoryCache();
}

} // namespace nejit

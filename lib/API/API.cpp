//===- API/API.cpp - The public API's implementation ----------------------===//
/// \file
/// The one place where errors cross the boundary: everything below returns
/// llvm::Error, everything here throws nejit::Error. A Kernel is the typed,
/// optimized IR of one (expression, signature, options); its machine code is
/// compiled per operand layout on first use and cached by the JIT.
//===----------------------------------------------------------------------===//
#include "API/Internal.h"

#include "CodeGen/CodeGen.h"
#include "JIT/Engine.h"
#include "Parse/Parser.h"
#include "Runtime/Driver.h"
#include "Runtime/Helpers.h"
#include "Runtime/Threads.h"
#include "Sema/Sema.h"
#include "Transforms/Passes.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <map>
#include <mutex>
#include <pthread.h>
#include <sys/stat.h>
#include <unordered_map>

#ifndef NEJIT_VERSION_STRING
#define NEJIT_VERSION_STRING "0.0.0"
#endif

namespace nejit {

//===----------------------------------------------------------------------===//
// Small public helpers
//===----------------------------------------------------------------------===//

Error::Error(ErrorKind Kind, std::string Message, std::string Expr, int Line,
             int Column)
    : std::runtime_error(
          formatDiagnostic(Expr, SourceLoc{Line, Column}, Message)),
      Kind(Kind), Message(std::move(Message)), Expr(std::move(Expr)),
      Line(Line), Column(Column) {}

const char *dtypeName(DType T) {
  switch (T) {
  case DType::Bool:
    return "b1";
  case DType::Int32:
    return "i4";
  case DType::Int64:
    return "i8";
  case DType::Float32:
    return "f4";
  case DType::Float64:
    return "f8";
  case DType::Complex128:
    return "c16";
  case DType::Bytes:
    return "S";
  }
  return "?";
}

int64_t dtypeSize(DType T) {
  switch (T) {
  case DType::Bool:
    return 1;
  case DType::Int32:
  case DType::Float32:
    return 4;
  case DType::Int64:
  case DType::Float64:
    return 8;
  case DType::Complex128:
    return 16;
  case DType::Bytes:
    return 0;
  }
  return 0;
}

std::optional<DType> parseDType(std::string_view S, int64_t *ItemSize) {
  if (ItemSize)
    *ItemSize = 0;
  static const std::pair<const char *, DType> Names[] = {
      {"b1", DType::Bool},
      {"bool", DType::Bool},
      {"?", DType::Bool},
      {"i4", DType::Int32},
      {"int32", DType::Int32},
      {"int", DType::Int32},
      {"i8", DType::Int64},
      {"int64", DType::Int64},
      {"long", DType::Int64},
      {"f4", DType::Float32},
      {"float32", DType::Float32},
      {"float", DType::Float32},
      {"f8", DType::Float64},
      {"float64", DType::Float64},
      {"double", DType::Float64},
      {"c16", DType::Complex128},
      {"complex128", DType::Complex128},
      {"complex", DType::Complex128},
      {"S", DType::Bytes},
      {"bytes", DType::Bytes}};
  for (const auto &[Name, T] : Names)
    if (S == Name)
      return T;
  if (S.size() > 1 && S[0] == 'S') {
    int64_t N = 0;
    for (char C : S.substr(1)) {
      if (C < '0' || C > '9' || N > (int64_t)1 << 40)
        return std::nullopt;
      N = N * 10 + (C - '0');
    }
    if (ItemSize)
      *ItemSize = N;
    return DType::Bytes;
  }
  return std::nullopt;
}

std::optional<Stage> parseStage(std::string_view Name) {
  static const std::pair<const char *, Stage> Names[] = {
      {"ast", Stage::AST},          {"ir", Stage::IR},
      {"opt-ir", Stage::OptIR},     {"llvm", Stage::LLVM},
      {"opt-llvm", Stage::OptLLVM}, {"asm", Stage::Asm}};
  for (const auto &[N, S] : Names)
    if (Name == N)
      return S;
  return std::nullopt;
}

/// Converts an internal error to the public one, once.
[[noreturn]] static void throwError(llvm::Error E, std::string_view Expr) {
  ErrorKind Kind = ErrorKind::Runtime;
  std::string Message;
  SourceLoc Loc{0, 0};
  llvm::handleAllErrors(
      std::move(E),
      [&](const DiagnosticError &D) {
        Kind = D.Kind;
        Message = D.Message;
        Loc = D.Loc;
      },
      [&](const llvm::ErrorInfoBase &Other) { Message = Other.message(); });
  throw Error(Kind, Message, std::string(Expr), Loc.Line, Loc.Column);
}

template <typename T> static T unwrap(Expected<T> V, std::string_view Expr) {
  if (!V)
    throwError(V.takeError(), Expr);
  return std::move(*V);
}

//===----------------------------------------------------------------------===//
// Kernel
//===----------------------------------------------------------------------===//

class Kernel::Impl {
public:
  std::string Expr;
  Options Opts;
  std::string AstText;
  ir::Function InitialIR, IR;
  std::string IRText;
  bool MayStream = false; ///< codegen::benefitsFromStreaming(IR)
  jit::HostTarget Target;

  runtime::KernelFn variant(const codegen::KernelSpec &Spec) const;

private:
  mutable std::mutex Mutex;
  mutable std::map<std::string, std::shared_ptr<const jit::CompiledCode>>
      Variants;
};

namespace internal {

codegen::CodeGenOptions codegenOptions(const Options &O,
                                       const jit::HostTarget &T) {
  codegen::CodeGenOptions C;
  C.Acc = O.Acc;
  C.VectorBits = T.VectorBits;
  C.Isa.HasAVX512F = T.hasFeature("avx512f");
  C.Isa.HasAVX2 = T.hasFeature("avx2");
  C.Isa.HasFMA = T.hasFeature("fma");
  C.Isa.HasSSE41 = T.hasFeature("sse4.1");
  return C;
}

codegen::KernelSpec contiguousSpec(const ir::Function &F) {
  codegen::KernelSpec S;
  S.Layouts.assign(1 + F.Inputs.size(), codegen::Layout::Contiguous);
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

/// The identity of the binary nejit is linked into: its GNU build ID, else
/// its path, size and modification time. Part of the disk cache key, because
/// the version number does not change when the code generator does: without
/// it, a rebuilt nejit would load kernels an older code generator wrote.
static const std::string &buildIdentity() {
  static const std::string Id = [] {
    Dl_info Info;
    if (!dladdr(reinterpret_cast<void *>(&buildIdentity), &Info) ||
        !Info.dli_fbase)
      return std::string("unknown");
    struct Search {
      const void *Base;
      std::string Hex;
    } S{Info.dli_fbase, {}};
    dl_iterate_phdr(
        [](struct dl_phdr_info *I, size_t, void *Data) -> int {
          auto &S = *static_cast<Search *>(Data);
          bool Mine = false;
          for (int P = 0; P < I->dlpi_phnum && !Mine; ++P)
            Mine = I->dlpi_phdr[P].p_type == PT_LOAD &&
                   I->dlpi_phdr[P].p_offset == 0 &&
                   (const void *)(I->dlpi_addr + I->dlpi_phdr[P].p_vaddr) ==
                       S.Base;
          if (!Mine)
            return 0;
          for (int P = 0; P < I->dlpi_phnum; ++P) {
            const ElfW(Phdr) &Ph = I->dlpi_phdr[P];
            if (Ph.p_type != PT_NOTE)
              continue;
            const char *Note = (const char *)(I->dlpi_addr + Ph.p_vaddr);
            const char *End = Note + Ph.p_memsz;
            while (Note + sizeof(ElfW(Nhdr)) <= End) {
              auto *N = reinterpret_cast<const ElfW(Nhdr) *>(Note);
              const char *Name = Note + sizeof(ElfW(Nhdr));
              const char *Desc = Name + ((N->n_namesz + 3) & ~3u);
              if (N->n_type == NT_GNU_BUILD_ID && N->n_namesz == 4 &&
                  std::memcmp(Name, "GNU", 4) == 0 &&
                  Desc + N->n_descsz <= End) {
                static const char Digits[] = "0123456789abcdef";
                for (unsigned B = 0; B < N->n_descsz; ++B) {
                  S.Hex += Digits[(unsigned char)Desc[B] >> 4];
                  S.Hex += Digits[(unsigned char)Desc[B] & 15];
                }
                return 1;
              }
              Note = Desc + ((N->n_descsz + 3) & ~3u);
            }
          }
          return 1;
        },
        &S);
    if (!S.Hex.empty())
      return S.Hex;
    struct stat St;
    std::string Path = Info.dli_fname ? Info.dli_fname : "";
    if (!Path.empty() && stat(Path.c_str(), &St) == 0)
      return Path + " " + std::to_string((long long)St.st_size) + " " +
             std::to_string((long long)St.st_mtime);
    return std::string("unknown");
  }();
  return Id;
}

runtime::KernelFn Kernel::Impl::variant(const codegen::KernelSpec &Spec) const {
  std::string Key = Spec.key();
  {
    std::lock_guard<std::mutex> Lock(Mutex);
    auto It = Variants.find(Key);
    if (It != Variants.end())
      return reinterpret_cast<runtime::KernelFn>(It->second->entry());
  }
  runtime::registerHelpers();
  std::string CacheKey = IRText + "\nlayout " + Key + "\naccuracy " +
                         std::to_string((int)Opts.Acc) + "\nvector-bits " +
                         std::to_string(Target.VectorBits) + "\nbuild " +
                         buildIdentity() + "\n";
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
  return ir::isReduction(R.Op) ? R.Axis : std::nullopt;
}

void Kernel::run(int NDim, const int64_t *Shape, const ArrayView &Out,
                 const ArrayView *Inputs) const {
  const Impl &K = checked(I);
  const ir::Function &F = K.IR;
  if (NDim < 0 || (NDim > 0 && !Shape))
    throw Error(ErrorKind::Value, "invalid iteration shape");
  for (int D = 0; D < NDim; ++D)
    if (Shape[D] < 0)
      throw Error(ErrorKind::Value, "negative extent " +
                                        std::to_string(Shape[D]) +
                                        " in dimension " + std::to_string(D));
  if (auto Axis = reductionAxis(); Axis && *Axis >= std::max(NDim, 1))
    throw Error(ErrorKind::Value, "reduction axis is out of bounds");
  static const int64_t NoStrides[1] = {0};
  runtime::RunRequest R;
  R.NDim = NDim;
  R.Shape = Shape;
  R.ResultType = F.result().Type;
  R.Reduce = F.result().Op;
  R.MayStreamOutput = K.MayStream;
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
  runtime::run(
      R, [&](const codegen::KernelSpec &Spec) { return K.variant(Spec); });
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
  return internal::disStage(K.Expr, K.AstText, K.InitialIR, K.IR, S, K.Opts,
                            K.Target);
}

//===----------------------------------------------------------------------===//
// compile / dis
//===----------------------------------------------------------------------===//

namespace internal {

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
  auto Ast = parseExpression(Expr);
  if (!Ast)
    return Ast.takeError();
  // The AST's text is printed on demand (disStage): a 10,000-term sum's is
  // 1.4 MB, and kernels are cached.
  Frontend Out;
  auto F = buildIR(**Ast, Sig, Opts.Opt);
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

std::string disStage(std::string_view Expr, const std::string &AstText,
                     const ir::Function &InitialIR, const ir::Function &IR,
                     Stage S, const Options &Opts, const jit::HostTarget &T,
                     std::string_view Layouts) {
  switch (S) {
  case Stage::AST:
    if (AstText.empty())
      return printAst(*unwrap(parseExpression(Expr), Expr));
    return AstText;
  case Stage::IR:
    return ir::print(InitialIR);
  case Stage::OptIR:
    return ir::print(IR);
  default:
    break;
  }
  llvm::LLVMContext Ctx;
  codegen::KernelSpec Spec = contiguousSpec(IR);
  if (!Layouts.empty()) {
    if (Layouts.size() != Spec.Layouts.size())
      throw Error(ErrorKind::Value,
                  "--layout needs one code per operand (output first): " +
                      std::to_string(Spec.Layouts.size()));
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
  auto M = buildModule(IR, Spec, Opts, T, Ctx);
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
  auto Ast = parseExpression(Expr);
  if (!Ast)
    throwError(Ast.takeError(), Expr);
  if (S == Stage::AST)
    return printAst(**Ast);
  Frontend FE = unwrap(runFrontend(Expr, Sig, Opts), Expr);
  return disStage(Expr, FE.AstText, FE.InitialIR, FE.IR, S, Opts, T, Layouts);
}

} // namespace internal

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
       std::to_string(O.OptLevel);
  return K;
}

/// compile()'s cache of front-end results (and, through each Impl, of the
/// kernel's compiled variants), keyed by (expression, signature, options).
namespace {
struct KernelCache {
  std::mutex Mutex;
  std::unordered_map<std::string, std::shared_ptr<const Kernel::Impl>> Map;
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
} // namespace

Kernel compile(std::string_view Expr, const Signature &Sig,
               const Options &Opts) {
  KernelCache &KC = kernelCache();
  std::mutex &Mutex = KC.Mutex;
  auto &Cache = KC.Map;
  std::string Key(Expr);
  Key += '\0';
  Key += signatureKey(Sig, Opts);
  {
    std::lock_guard<std::mutex> Lock(Mutex);
    auto It = Cache.find(Key);
    if (It != Cache.end())
      return Kernel(It->second);
  }
  if (Opts.OptLevel < 0 || Opts.OptLevel > 3)
    throw Error(ErrorKind::Value, "optimization level must be 0..3");
  auto Impl = std::make_shared<Kernel::Impl>();
  Impl->Expr = std::string(Expr);
  Impl->Opts = Opts;
  Impl->Target = jit::hostTarget();
  internal::Frontend FE = unwrap(internal::runFrontend(Expr, Sig, Opts), Expr);
  Impl->AstText = std::move(FE.AstText);
  Impl->InitialIR = std::move(FE.InitialIR);
  Impl->IR = std::move(FE.IR);
  Impl->IRText = ir::print(Impl->IR);
  Impl->MayStream = codegen::benefitsFromStreaming(Impl->IR);
  {
    // Surface code generation errors now rather than at the first run.
    llvm::LLVMContext Ctx;
    auto M = internal::buildModule(Impl->IR, internal::contiguousSpec(Impl->IR),
                                   Opts, Impl->Target, Ctx);
    if (!M)
      throwError(M.takeError(), Expr);
  }
  std::lock_guard<std::mutex> Lock(Mutex);
  if (Cache.size() > 8192)
    Cache.clear();
  auto &Slot = Cache[Key];
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
  auto Ast = parseExpression(Expr);
  if (!Ast)
    throwError(Ast.takeError(), Expr);
  return collectVariableNames(**Ast);
}

CacheStats cacheStats() {
  jit::Stats S = jit::stats();
  CacheStats C;
  C.Hits = S.Hits;
  C.Misses = S.Misses;
  C.DiskHits = S.DiskHits;
  C.Compiles = S.Compiles;
  C.Evictions = S.Evictions;
  C.Entries = S.Entries;
  C.CodeBytes = S.CodeBytes;
  C.CompileSeconds = S.CompileSeconds;
  return C;
}

void clearCache() {
  // Each cached Kernel::Impl holds its variants' code: drop those too, or
  // nothing would be released (nor reloaded from disk on the next compile).
  std::unordered_map<std::string, std::shared_ptr<const Kernel::Impl>> Old;
  {
    KernelCache &KC = kernelCache();
    std::lock_guard<std::mutex> Lock(KC.Mutex);
    Old.swap(KC.Map);
  }
  jit::clearMemoryCache();
}

int setNumThreads(int N) {
  if (N < 1 || N > runtime::maxThreads())
    throw Error(ErrorKind::Value, "number of threads must be in [1, " +
                                      std::to_string(runtime::maxThreads()) +
                                      "]");
  return runtime::setNumThreads(N);
}
int getNumThreads() { return runtime::numThreads(); }
int maxThreads() { return runtime::maxThreads(); }
int detectNumberOfCores() { return runtime::coreCount(); }

const char *version() { return NEJIT_VERSION_STRING; }

std::string versionString() {
  const jit::HostTarget &T = jit::hostTarget();
  return std::string("nejit ") + NEJIT_VERSION_STRING + " (LLVM " +
         LLVM_VERSION_STRING + ", Sleef 3.5, " + T.CPU + ", " +
         std::to_string(T.VectorBits) + "-bit vectors)";
}

} // namespace nejit

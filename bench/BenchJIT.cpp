//===- bench/BenchJIT.cpp - JIT latency and per-call benchmarks -----------===//
/// \file
/// Google Benchmark program `nejit-bench`: what a user of the public API pays
/// for a kernel, and where that time goes.
///
///   BM_Cold/<expr>       compile() + first run of an expression never seen
///                        (unique variable names and a unique
///                        NEJIT_CACHE_KEY_SALT, so nothing is cached; the
///                        disk cache is a fresh empty directory)
///   BM_DiskHit/<expr>    compile() + first run of an expression compiled
///                        before, after clearCache(): the object file is
///                        linked from the on-disk cache
///   BM_RenamedHit/<expr> compile() + first run of a text never seen whose
///                        kernel is compiled: new variable names and new
///                        literal values (the front end and a lookup)
///   BM_MemoryHit/<expr>  compile() of an expression compiled before
///   BM_MemoryHitRun      compile() + run of 16 elements, all cached
///   BM_Stage_*           the stages of a cold compile, one at a time:
///                        Frontend (parse, Sema, passes), Emit (LLVM IR),
///                        Engine (IR passes + codegen + link, no disk)
///   BM_Throughput/N/T    2*a+3*b over N float64 elements on T threads
///
/// Unless NEJIT_CACHE_DIR is set, the disk cache goes to a fresh temporary
/// directory, removed at exit. Numbers: docs/performance.md.
//===----------------------------------------------------------------------===//
#include "API/Internal.h"
#include "CodeGen/CodeGen.h"
#include "JIT/Engine.h"
#include "nejit/nejit.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <benchmark/benchmark.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

using namespace nejit;

namespace {

/// Typical expressions; {a} and {b} stand for the variable names, so that
/// renaming them gives a new cache key for the very same machine code.
struct ExprCase {
  const char *Name;
  const char *Text;
  DType Type;
};
const ExprCase Cases[] = {
    {"2a+3b", "2*{a}+3*{b}", DType::Float64},
    {"cmp", "{a}*{b}-4.1*{a}>2.5*{b}", DType::Float64},
    {"sin2+cos2", "sin({a})**2+cos({a})**2", DType::Float64},
    {"where-log", "where({a}>0,log({a}),{b})", DType::Float64},
    {"sum", "sum({a}*{b})", DType::Float64},
    {"i4-arith", "({a}*3+{b})//2-{a}%7", DType::Int32},
};

std::string instantiate(const char *Text, const std::string &A,
                        const std::string &B) {
  std::string Out;
  for (const char *P = Text; *P; ++P) {
    if (P[0] == '{' && P[1] && P[2] == '}') {
      Out += P[1] == 'a' ? A : B;
      P += 2;
      continue;
    }
    Out += *P;
  }
  return Out;
}

/// Names never used before in this process.
std::atomic<uint64_t> Unique{0};

struct Instance {
  std::string Expr;
  Signature Sig;
  std::string Salt; ///< NEJIT_CACHE_KEY_SALT for it
};

/// New names: a new text. Names and literals are not part of the kernel's
/// cache key, so a unique salt makes it a new kernel too.
Instance fresh(const ExprCase &C) {
  uint64_t U = Unique++;
  std::string A = "a" + std::to_string(U), B = "b" + std::to_string(U);
  return {instantiate(C.Text, A, B),
          {{A, C.Type}, {B, C.Type}},
          "bench " + std::to_string(getpid()) + " " + std::to_string(U)};
}

Kernel compileWithSalt(const Instance &I) {
  setenv("NEJIT_CACHE_KEY_SALT", I.Salt.c_str(), 1);
  Kernel K = compile(I.Expr, I.Sig);
  unsetenv("NEJIT_CACHE_KEY_SALT");
  return K;
}

/// 16 elements of either dtype: enough for one vector body and a tail.
struct Small {
  alignas(64) double A[16], B[16], Out[16];
  Small() {
    for (int I = 0; I < 16; ++I) {
      A[I] = 0.5 + I;
      B[I] = 2.0 - I;
    }
  }
};

void runSmall(const Kernel &K, Small &S) {
  const void *In[2] = {S.A, S.B};
  K.run(16, S.Out, In);
  benchmark::DoNotOptimize(S.Out[0]);
}

//===--- end to end through the public API -------------------------------===//

void BM_Cold(benchmark::State &State, const ExprCase *C) {
  Small S;
  for (auto _ : State) {
    State.PauseTiming();
    Instance I = fresh(*C);
    State.ResumeTiming();
    runSmall(compileWithSalt(I), S);
  }
}

/// Expr with other literal values where they are kernel parameters: digits
/// appended to each literal, except divisors and exponents (which stay in
/// the kernel, so they must stay the same).
std::string otherLiterals(const std::string &Expr) {
  std::string Out;
  for (size_t P = 0; P < Expr.size();) {
    char Ch = Expr[P];
    bool NameChar = P > 0 && (std::isalnum((unsigned char)Expr[P - 1]) ||
                              Expr[P - 1] == '_');
    if (!std::isdigit((unsigned char)Ch) || NameChar) {
      Out += Ch;
      ++P;
      continue;
    }
    size_t End = P;
    while (End < Expr.size() &&
           (std::isdigit((unsigned char)Expr[End]) || Expr[End] == '.'))
      ++End;
    std::string Lit = Expr.substr(P, End - P);
    bool Kept =
        Out.size() >= 1 &&
        (Out.back() == '/' || Out.back() == '%' ||
         (Out.size() >= 2 && Out.back() == '*' && Out[Out.size() - 2] == '*'));
    bool Int = Lit.find('.') == std::string::npos;
    Out += Kept ? Lit : Int ? "1" + Lit : Lit + "01";
    P = End;
  }
  return Out;
}

/// A new text for a compiled kernel: other names, other literals.
void BM_RenamedHit(benchmark::State &State, const ExprCase *C) {
  Small S;
  Instance Warm = fresh(*C);
  runSmall(compile(Warm.Expr, Warm.Sig), S);
  uint64_t Before = cacheStats().Compiles;
  for (auto _ : State) {
    State.PauseTiming();
    Instance I = fresh(*C);
    std::string E = otherLiterals(I.Expr);
    State.ResumeTiming();
    runSmall(compile(E, I.Sig), S);
  }
  if (cacheStats().Compiles != Before)
    State.SkipWithError("a renamed expression compiled a new kernel");
}

void BM_DiskHit(benchmark::State &State, const ExprCase *C) {
  // Compile as many fresh instances as there will be iterations, then drop
  // them from memory: each iteration then finds its object on disk.
  std::vector<Instance> Insts;
  Small S;
  for (int64_t N = 0; N < State.max_iterations; ++N) {
    Insts.push_back(fresh(*C));
    runSmall(compileWithSalt(Insts.back()), S);
  }
  clearCache();
  size_t Idx = 0;
  for (auto _ : State) {
    const Instance &I = Insts[Idx++];
    runSmall(compileWithSalt(I), S);
  }
  if (cacheStats().DiskHits == 0)
    State.SkipWithError("no disk hits: is NEJIT_CACHE=0 set?");
}

void BM_MemoryHit(benchmark::State &State, const ExprCase *C) {
  Instance I = fresh(*C);
  Small S;
  runSmall(compile(I.Expr, I.Sig), S);
  for (auto _ : State)
    benchmark::DoNotOptimize(compile(I.Expr, I.Sig));
}

void BM_MemoryHitRun(benchmark::State &State) {
  Instance I = fresh(Cases[0]);
  Small S;
  runSmall(compile(I.Expr, I.Sig), S);
  for (auto _ : State)
    runSmall(compile(I.Expr, I.Sig), S);
}

//===--- the stages of a cold compile ------------------------------------===//

Options DefaultOpts;

void BM_Stage_Frontend(benchmark::State &State, const ExprCase *C) {
  Instance I = fresh(*C);
  for (auto _ : State) {
    auto FE = internal::runFrontend(I.Expr, I.Sig, DefaultOpts);
    if (!FE)
      llvm::consumeError(FE.takeError());
  }
}

internal::Frontend frontendOf(const Instance &I) {
  auto FE = internal::runFrontend(I.Expr, I.Sig, DefaultOpts);
  if (!FE) {
    llvm::consumeError(FE.takeError());
    std::abort();
  }
  return std::move(*FE);
}

void BM_Stage_Emit(benchmark::State &State, const ExprCase *C) {
  internal::Frontend FE = frontendOf(fresh(*C));
  const jit::HostTarget &T = jit::hostTarget();
  for (auto _ : State) {
    llvm::LLVMContext Ctx;
    auto M = internal::buildModule(FE.IR, internal::contiguousSpec(FE.IR),
                                   DefaultOpts, T, Ctx);
    if (!M)
      llvm::consumeError(M.takeError());
  }
}

/// The engine alone: IR passes, code generation and linking of a module
/// built beforehand (the build is inside Build(), so it is excluded by
/// pausing), disk cache off.
void BM_Stage_Engine(benchmark::State &State, const ExprCase *C) {
  internal::Frontend FE = frontendOf(fresh(*C));
  const jit::HostTarget &T = jit::hostTarget();
  std::string Saved = jit::cacheDir();
  jit::setCacheDirForTesting("");
  for (auto _ : State) {
    State.PauseTiming();
    auto Ctx = std::make_unique<llvm::LLVMContext>();
    auto M = internal::buildModule(FE.IR, internal::contiguousSpec(FE.IR),
                                   DefaultOpts, T, *Ctx);
    if (!M) {
      llvm::consumeError(M.takeError());
      State.SkipWithError("emit failed");
      break;
    }
    llvm::orc::ThreadSafeModule TSM(std::move(*M), std::move(Ctx));
    std::string Key = "bench engine " + std::to_string(Unique++);
    State.ResumeTiming();
    auto Code = jit::getOrCompile(
        Key,
        [&]() -> llvm::Expected<llvm::orc::ThreadSafeModule> {
          return std::move(TSM);
        },
        "nejit_kernel", (unsigned)DefaultOpts.OptLevel);
    if (!Code) {
      llvm::consumeError(Code.takeError());
      State.SkipWithError("compile failed");
      break;
    }
  }
  jit::setCacheDirForTesting(Saved);
}

//===--- throughput -------------------------------------------------------===//

void BM_Throughput(benchmark::State &State) {
  int64_t N = State.range(0);
  int Threads = (int)State.range(1);
  std::vector<double> A(N, 1.5), B(N, 2.5), Out(N);
  Kernel K = compile("2*a+3*b", {{"a", DType::Float64}, {"b", DType::Float64}});
  int Old = setNumThreads(std::min(Threads, maxThreads()));
  const void *In[2] = {A.data(), B.data()};
  K.run(N, Out.data(), In);
  for (auto _ : State) {
    K.run(N, Out.data(), In);
    benchmark::DoNotOptimize(Out.data());
    benchmark::ClobberMemory();
  }
  setNumThreads(Old);
  // a and b read, the result written.
  State.SetBytesProcessed(State.iterations() * N * 3 * sizeof(double));
  State.SetItemsProcessed(State.iterations() * N);
}

void registerAll() {
  for (const ExprCase &C : Cases) {
    std::string N = C.Name;
    benchmark::RegisterBenchmark(("BM_Cold/" + N).c_str(), BM_Cold, &C)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(30);
    benchmark::RegisterBenchmark(("BM_DiskHit/" + N).c_str(), BM_DiskHit, &C)
        ->Unit(benchmark::kMicrosecond)
        ->Iterations(100);
    benchmark::RegisterBenchmark(("BM_RenamedHit/" + N).c_str(), BM_RenamedHit,
                                 &C)
        ->Unit(benchmark::kMicrosecond)
        ->Iterations(2000);
    benchmark::RegisterBenchmark(("BM_MemoryHit/" + N).c_str(), BM_MemoryHit,
                                 &C)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_Stage_Frontend/" + N).c_str(),
                                 BM_Stage_Frontend, &C)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_Stage_Emit/" + N).c_str(), BM_Stage_Emit,
                                 &C)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_Stage_Engine/" + N).c_str(),
                                 BM_Stage_Engine, &C)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(30);
  }
  benchmark::RegisterBenchmark("BM_MemoryHitRun", BM_MemoryHitRun)
      ->Unit(benchmark::kMicrosecond);
  auto *T = benchmark::RegisterBenchmark("BM_Throughput", BM_Throughput);
  T->ArgNames({"n", "threads"})->Unit(benchmark::kMicrosecond)->UseRealTime();
  for (int64_t N : {10, 1000, 100000, 10000000})
    for (int64_t Th : {1, 2})
      T->Args({N, Th});
}

} // namespace

int main(int argc, char **argv) {
  std::string TempDir;
  if (!std::getenv("NEJIT_CACHE_DIR")) {
    char Tmpl[] = "/tmp/nejit-bench-XXXXXX";
    if (char *D = mkdtemp(Tmpl)) {
      TempDir = D;
      setenv("NEJIT_CACHE_DIR", D, 1);
    }
  }
  registerAll();
  benchmark::Initialize(&argc, argv);
  int Status = 1;
  if (!benchmark::ReportUnrecognizedArguments(argc, argv)) {
    benchmark::RunSpecifiedBenchmarks();
    Status = 0;
  }
  benchmark::Shutdown();
  if (!TempDir.empty()) {
    std::error_code EC;
    std::filesystem::remove_all(TempDir, EC);
  }
  return Status;
}

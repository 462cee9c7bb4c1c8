//===- unittests/JIT/EngineTest.cpp - Tests of the JIT engine and caches --===//
/// \file
/// Builds tiny kernels by hand with IRBuilder, so that these tests depend on
/// nothing but lib/JIT, and checks results, cache counters, concurrency,
/// eviction, the on-disk cache's integrity checks and fork safety.
//===----------------------------------------------------------------------===//
#include "JIT/Engine.h"
#include "JIT/Target.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace llvm;
using namespace llvm::orc;
using namespace nejit::jit;

namespace {

/// The kernel ABI these tests use: out = f(a, b) elementwise over
/// contiguous doubles; Ptrs = {out, a, b}; strides are ignored.
using KernelFn = void (*)(int64_t, void **, const int64_t *);

/// Emits, into a fresh module, `void Name(i64 n, ptr ptrs, ptr strides)`
/// whose scalar loop stores Body(builder, a[i], b[i]) to out[i].
ThreadSafeModule makeScalarKernel(
    StringRef Name,
    std::function<Value *(IRBuilder<> &, Module &, Value *, Value *)> Body) {
  auto Ctx = std::make_unique<LLVMContext>();
  auto M = std::make_unique<Module>("test", *Ctx);
  prepareModule(*M);
  IRBuilder<> B(*Ctx);
  Type *I64 = B.getInt64Ty(), *F64 = B.getDoubleTy(), *Ptr = B.getPtrTy();
  auto *FT = FunctionType::get(B.getVoidTy(), {I64, Ptr, Ptr}, false);
  Function *F = Function::Create(FT, Function::ExternalLinkage, Name, *M);
  Value *N = F->getArg(0), *Ptrs = F->getArg(1);
  auto *Entry = BasicBlock::Create(*Ctx, "entry", F);
  auto *Loop = BasicBlock::Create(*Ctx, "loop", F);
  auto *Exit = BasicBlock::Create(*Ctx, "exit", F);
  B.SetInsertPoint(Entry);
  Value *Out = B.CreateLoad(Ptr, B.CreateConstGEP1_64(Ptr, Ptrs, 0));
  Value *A = B.CreateLoad(Ptr, B.CreateConstGEP1_64(Ptr, Ptrs, 1));
  Value *Bv = B.CreateLoad(Ptr, B.CreateConstGEP1_64(Ptr, Ptrs, 2));
  B.CreateCondBr(B.CreateICmpSGT(N, B.getInt64(0)), Loop, Exit);
  B.SetInsertPoint(Loop);
  PHINode *I = B.CreatePHI(I64, 2);
  I->addIncoming(B.getInt64(0), Entry);
  Value *X = B.CreateLoad(F64, B.CreateGEP(F64, A, I));
  Value *Y = B.CreateLoad(F64, B.CreateGEP(F64, Bv, I));
  B.CreateStore(Body(B, *M, X, Y), B.CreateGEP(F64, Out, I));
  Value *Next = B.CreateAdd(I, B.getInt64(1));
  I->addIncoming(Next, Loop);
  B.CreateCondBr(B.CreateICmpSLT(Next, N), Loop, Exit);
  B.SetInsertPoint(Exit);
  B.CreateRetVoid();
  return ThreadSafeModule(std::move(M), std::move(Ctx));
}

/// out = a + b + C: C makes distinct keys produce distinct code.
ThreadSafeModule makeAddKernel(double C, StringRef Name = "k") {
  return makeScalarKernel(Name, [C](IRBuilder<> &B, Module &, Value *X,
                                    Value *Y) {
    return B.CreateFAdd(B.CreateFAdd(X, Y), ConstantFP::get(X->getType(), C));
  });
}

/// out = Callee(a) for an external `double Callee(double)`.
ThreadSafeModule makeCallKernel(StringRef Callee) {
  std::string CalleeName = Callee.str();
  return makeScalarKernel(
      "k",
      [CalleeName](IRBuilder<> &B, Module &M, Value *X, Value *) -> Value * {
        FunctionCallee Fn = M.getOrInsertFunction(
            CalleeName,
            FunctionType::get(B.getDoubleTy(), {B.getDoubleTy()}, false));
        return B.CreateCall(Fn, {X});
      });
}

/// out = 2*a + 3*b with an explicit Lanes-wide vector loop and a scalar tail,
/// the shape CodeGen emits.
ThreadSafeModule makeVectorKernel(unsigned Lanes) {
  auto Ctx = std::make_unique<LLVMContext>();
  auto M = std::make_unique<Module>("vec", *Ctx);
  prepareModule(*M);
  IRBuilder<> B(*Ctx);
  Type *I64 = B.getInt64Ty(), *F64 = B.getDoubleTy(), *Ptr = B.getPtrTy();
  Type *VT = FixedVectorType::get(F64, Lanes);
  auto *FT = FunctionType::get(B.getVoidTy(), {I64, Ptr, Ptr}, false);
  Function *F = Function::Create(FT, Function::ExternalLinkage, "k", *M);
  Value *N = F->getArg(0), *Ptrs = F->getArg(1);
  auto *Entry = BasicBlock::Create(*Ctx, "entry", F);
  auto *VLoop = BasicBlock::Create(*Ctx, "vloop", F);
  auto *TailCheck = BasicBlock::Create(*Ctx, "tailcheck", F);
  auto *Tail = BasicBlock::Create(*Ctx, "tail", F);
  auto *Exit = BasicBlock::Create(*Ctx, "exit", F);
  B.SetInsertPoint(Entry);
  Value *Out = B.CreateLoad(Ptr, B.CreateConstGEP1_64(Ptr, Ptrs, 0));
  Value *A = B.CreateLoad(Ptr, B.CreateConstGEP1_64(Ptr, Ptrs, 1));
  Value *Bp = B.CreateLoad(Ptr, B.CreateConstGEP1_64(Ptr, Ptrs, 2));
  Value *NV = B.CreateAnd(N, B.getInt64(~int64_t(Lanes - 1)));
  B.CreateCondBr(B.CreateICmpSGT(NV, B.getInt64(0)), VLoop, TailCheck);

  B.SetInsertPoint(VLoop);
  PHINode *I = B.CreatePHI(I64, 2);
  I->addIncoming(B.getInt64(0), Entry);
  Value *VA = B.CreateAlignedLoad(VT, B.CreateGEP(F64, A, I), Align(8));
  Value *VB = B.CreateAlignedLoad(VT, B.CreateGEP(F64, Bp, I), Align(8));
  Value *R = B.CreateFAdd(B.CreateFMul(ConstantFP::get(VT, 2.0), VA),
                          B.CreateFMul(ConstantFP::get(VT, 3.0), VB));
  B.CreateAlignedStore(R, B.CreateGEP(F64, Out, I), Align(8));
  Value *INext = B.CreateAdd(I, B.getInt64(Lanes));
  I->addIncoming(INext, VLoop);
  B.CreateCondBr(B.CreateICmpSLT(INext, NV), VLoop, TailCheck);

  B.SetInsertPoint(TailCheck);
  B.CreateCondBr(B.CreateICmpSLT(NV, N), Tail, Exit);
  B.SetInsertPoint(Tail);
  PHINode *J = B.CreatePHI(I64, 2);
  J->addIncoming(NV, TailCheck);
  Value *X = B.CreateLoad(F64, B.CreateGEP(F64, A, J));
  Value *Y = B.CreateLoad(F64, B.CreateGEP(F64, Bp, J));
  Value *S = B.CreateFAdd(B.CreateFMul(ConstantFP::get(F64, 2.0), X),
                          B.CreateFMul(ConstantFP::get(F64, 3.0), Y));
  B.CreateStore(S, B.CreateGEP(F64, Out, J));
  Value *JNext = B.CreateAdd(J, B.getInt64(1));
  J->addIncoming(JNext, Tail);
  B.CreateCondBr(B.CreateICmpSLT(JNext, N), Tail, Exit);
  B.SetInsertPoint(Exit);
  B.CreateRetVoid();
  return ThreadSafeModule(std::move(M), std::move(Ctx));
}

/// Runs a kernel on a = i, b = 10*i and returns out.
std::vector<double> runKernel(const CompiledCode &Code, int64_t N = 37) {
  std::vector<double> Out(N, -1.0), A(N), B(N);
  for (int64_t I = 0; I < N; ++I) {
    A[I] = double(I);
    B[I] = 10.0 * double(I);
  }
  void *Ptrs[] = {Out.data(), A.data(), B.data()};
  int64_t Strides[] = {8, 8, 8};
  reinterpret_cast<KernelFn>(Code.entry())(N, Ptrs, Strides);
  return Out;
}

std::shared_ptr<const CompiledCode>
compileOrDie(const std::string &Key, std::function<ThreadSafeModule()> Make,
             unsigned OptLevel = 2, int *Builds = nullptr) {
  auto Code = getOrCompile(
      Key,
      [&]() -> Expected<ThreadSafeModule> {
        if (Builds)
          ++*Builds;
        return Make();
      },
      "k", OptLevel);
  if (!Code) {
    ADD_FAILURE() << toString(Code.takeError());
    return nullptr;
  }
  return *Code;
}

/// Each test gets a fresh on-disk cache directory and unique keys (the memory
/// cache is process-wide and outlives tests).
class JITEngine : public ::testing::Test {
protected:
  void SetUp() override {
    SmallString<128> Path;
    ASSERT_FALSE(sys::fs::createUniqueDirectory("nejit-jit-test", Path));
    Dir = std::string(Path);
    // Private whatever the umask: the engine refuses a cache directory that
    // others may write (see DiskCacheTrustTest.cpp).
    ASSERT_FALSE(sys::fs::setPermissions(Dir, sys::fs::owner_all));
    setCacheDirForTesting(Dir);
    const auto *Info = ::testing::UnitTest::GetInstance()->current_test_info();
    KeyPrefix = std::string(";; test ") + Info->name() + " " +
                std::to_string(::getpid()) + "\n";
  }
  void TearDown() override {
    setCacheDirForTesting("");
    sys::fs::remove_directories(Dir);
  }
  std::string key(StringRef Text) { return KeyPrefix + Text.str(); }

  std::string Dir, KeyPrefix;
};

TEST(JITTarget, HostIsConsistent) {
  const HostTarget &T = hostTarget();
  EXPECT_FALSE(T.Triple.empty());
  EXPECT_FALSE(T.CPU.empty());
  EXPECT_NE(T.Features.find('+'), std::string::npos);
  if (!std::getenv("NEJIT_VECTOR_BITS")) {
    if (T.hasFeature("avx512f"))
      EXPECT_EQ(T.VectorBits, 512u);
    else if (T.hasFeature("avx2") && T.hasFeature("fma"))
      EXPECT_EQ(T.VectorBits, 256u);
    else
      EXPECT_EQ(T.VectorBits, 128u);
  }
  EXPECT_TRUE(T.hasFeature("sse2"));
  EXPECT_TRUE(T.hasFeature("+sse2"));
  EXPECT_FALSE(T.hasFeature("no-such-feature"));
}

TEST(JITTarget, VectorBitsOverride) {
  const HostTarget &T = hostTarget();
  if (const char *Env = std::getenv("NEJIT_VECTOR_BITS")) {
    // The child run below: the override narrows, never widens.
    EXPECT_EQ(T.VectorBits, 128u);
    EXPECT_STREQ(Env, "128");
    return;
  }
  // hostTarget() is detected once per process: check the variable in a
  // child process running only this test.
  pid_t Pid = fork();
  ASSERT_GE(Pid, 0);
  if (Pid == 0) {
    setenv("NEJIT_VECTOR_BITS", "128", 1);
    execl("/proc/self/exe", "nejit-unittests",
          "--gtest_filter=JITTarget.VectorBitsOverride", (char *)nullptr);
    _exit(127);
  }
  int Status = -1;
  ASSERT_EQ(waitpid(Pid, &Status, 0), Pid);
  ASSERT_TRUE(WIFEXITED(Status));
  EXPECT_EQ(WEXITSTATUS(Status), 0);
}

TEST(JITTarget, MakeTargetForOtherCPUs) {
  auto Skx = makeTarget("skylake-avx512", "");
  ASSERT_TRUE(bool(Skx)) << toString(Skx.takeError());
  EXPECT_TRUE(Skx->hasFeature("avx512f"));
  EXPECT_EQ(Skx->VectorBits, 512u);
  auto Haswell = makeTarget("haswell", "");
  ASSERT_TRUE(bool(Haswell)) << toString(Haswell.takeError());
  EXPECT_FALSE(Haswell->hasFeature("avx512f"));
  EXPECT_EQ(Haswell->VectorBits, 256u);
  auto NoAvx = makeTarget("skylake-avx512", "-avx512f");
  ASSERT_TRUE(bool(NoAvx)) << toString(NoAvx.takeError());
  EXPECT_FALSE(NoAvx->hasFeature("avx512f"));
  auto Base = makeTarget("x86-64", "");
  ASSERT_TRUE(bool(Base)) << toString(Base.takeError());
  EXPECT_EQ(Base->VectorBits, 128u);
}

TEST_F(JITEngine, CompilesRunsAndHitsMemory) {
  Stats Before = stats();
  int Builds = 0;
  auto Code = compileOrDie(
      key("add 1"), [] { return makeAddKernel(1.0); }, 2, &Builds);
  ASSERT_TRUE(Code);
  EXPECT_EQ(Builds, 1);
  EXPECT_GT(Code->codeBytes(), 0u);
  EXPECT_FALSE(Code->fromDisk());
  std::vector<double> Out = runKernel(*Code);
  for (size_t I = 0; I < Out.size(); ++I)
    EXPECT_EQ(Out[I], 11.0 * double(I) + 1.0);
  Stats After = stats();
  EXPECT_EQ(After.Misses, Before.Misses + 1);
  EXPECT_EQ(After.Compiles, Before.Compiles + 1);
  EXPECT_GT(After.CompileSeconds, Before.CompileSeconds);
  EXPECT_GE(After.Entries, 1u);
  EXPECT_GE(After.CodeBytes, Code->codeBytes());

  auto Again = compileOrDie(
      key("add 1"), [] { return makeAddKernel(1.0); }, 2, &Builds);
  EXPECT_EQ(Again.get(), Code.get());
  EXPECT_EQ(Builds, 1);
  Stats Hit = stats();
  EXPECT_EQ(Hit.Hits, After.Hits + 1);
  EXPECT_EQ(Hit.Misses, After.Misses);
  EXPECT_EQ(Hit.Compiles, After.Compiles);
}

TEST_F(JITEngine, AllOptLevelsAreCorrectAndDistinct) {
  std::vector<std::shared_ptr<const CompiledCode>> Codes;
  for (unsigned O = 0; O <= 3; ++O) {
    auto Code = compileOrDie(
        key("vec"), [] { return makeVectorKernel(8); }, O);
    ASSERT_TRUE(Code);
    for (const auto &Other : Codes)
      EXPECT_NE(Other.get(), Code.get());
    Codes.push_back(Code);
    for (int64_t N : {0, 1, 7, 8, 9, 37, 64}) {
      std::vector<double> Out = runKernel(*Code, N);
      for (int64_t I = 0; I < N; ++I)
        ASSERT_EQ(Out[I], 2.0 * double(I) + 30.0 * double(I))
            << "O" << O << " N=" << N << " I=" << I;
    }
  }
}

TEST_F(JITEngine, CallsSleefAndLibm) {
  auto Sin =
      compileOrDie(key("sin"), [] { return makeCallKernel("Sleef_sin_u10"); });
  ASSERT_TRUE(Sin);
  std::vector<double> Out = runKernel(*Sin);
  for (size_t I = 0; I < Out.size(); ++I)
    EXPECT_NEAR(Out[I], std::sin(double(I)), 1e-15) << I;

  auto Cbrt = compileOrDie(key("cbrt"), [] { return makeCallKernel("cbrt"); });
  ASSERT_TRUE(Cbrt);
  Out = runKernel(*Cbrt);
  for (size_t I = 0; I < Out.size(); ++I)
    EXPECT_DOUBLE_EQ(Out[I], std::cbrt(double(I))) << I;
}

double testHelper(double X) { return X * X + 0.5; }

TEST_F(JITEngine, CallsRegisteredHelpers) {
  registerHelperSymbol("nejit_test_square_plus_half",
                       reinterpret_cast<void *>(&testHelper));
  auto Code = compileOrDie(key("helper"), [] {
    return makeCallKernel("nejit_test_square_plus_half");
  });
  ASSERT_TRUE(Code);
  std::vector<double> Out = runKernel(*Code);
  for (size_t I = 0; I < Out.size(); ++I)
    EXPECT_EQ(Out[I], testHelper(double(I)));
}

TEST_F(JITEngine, UnresolvedSymbolIsAnError) {
  Stats Before = stats();
  int Builds = 0;
  auto Build = [&]() -> Expected<ThreadSafeModule> {
    ++Builds;
    return makeCallKernel("nejit_no_such_function_anywhere");
  };
  auto Code = getOrCompile(key("missing"), Build, "k", 2);
  ASSERT_FALSE(bool(Code));
  std::string Msg = toString(Code.takeError());
  EXPECT_NE(Msg.find("nejit_no_such_function_anywhere"), std::string::npos)
      << Msg;
  Stats After = stats();
  EXPECT_EQ(After.Compiles, Before.Compiles);
  EXPECT_EQ(After.Entries, Before.Entries);
  // Failures are not cached: the next request tries again.
  auto Again = getOrCompile(key("missing"), Build, "k", 2);
  EXPECT_FALSE(bool(Again));
  consumeError(Again.takeError());
  EXPECT_EQ(Builds, 2);
}

TEST_F(JITEngine, BuildErrorsAndBadModulesAreErrors) {
  auto Failing = getOrCompile(
      key("build fails"),
      []() -> Expected<ThreadSafeModule> {
        return createStringError(inconvertibleErrorCode(), "no such thing");
      },
      "k", 2);
  ASSERT_FALSE(bool(Failing));
  EXPECT_EQ(toString(Failing.takeError()), "no such thing");

  auto WrongName = getOrCompile(
      key("wrong entry"),
      []() -> Expected<ThreadSafeModule> {
        return makeAddKernel(2.0, "other");
      },
      "k", 2);
  ASSERT_FALSE(bool(WrongName));
  EXPECT_NE(toString(WrongName.takeError()).find("'k'"), std::string::npos);
}

TEST_F(JITEngine, SameKeyFromEightThreadsCompilesOnce) {
  Stats Before = stats();
  std::atomic<int> Builds{0};
  std::vector<const CompiledCode *> Got(8, nullptr);
  std::vector<std::shared_ptr<const CompiledCode>> Keep(8);
  std::atomic<int> Ready{0};
  std::vector<std::thread> Threads;
  for (int T = 0; T < 8; ++T)
    Threads.emplace_back([&, T] {
      ++Ready;
      while (Ready < 8)
        std::this_thread::yield();
      auto Code = getOrCompile(
          key("concurrent"),
          [&]() -> Expected<ThreadSafeModule> {
            ++Builds;
            // Widen the window in which the others must wait, not build.
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return makeAddKernel(3.0);
          },
          "k", 2);
      if (!Code) {
        consumeError(Code.takeError());
        return;
      }
      Keep[T] = *Code;
      Got[T] = Code->get();
    });
  for (auto &T : Threads)
    T.join();
  EXPECT_EQ(Builds.load(), 1);
  ASSERT_NE(Got[0], nullptr);
  for (int T = 1; T < 8; ++T)
    EXPECT_EQ(Got[T], Got[0]);
  Stats After = stats();
  EXPECT_EQ(After.Compiles, Before.Compiles + 1);
  EXPECT_EQ(After.Misses, Before.Misses + 1);
  EXPECT_EQ(After.Hits, Before.Hits + 7);
  std::vector<double> Out = runKernel(*Keep[3]);
  EXPECT_EQ(Out[2], 25.0);
}

TEST_F(JITEngine, DifferentKeysFromManyThreads) {
  std::vector<std::thread> Threads;
  std::atomic<int> Failures{0};
  for (int T = 0; T < 4; ++T)
    Threads.emplace_back([&, T] {
      for (int K = 0; K < 6; ++K) {
        double C = 100.0 * T + K;
        auto Code = getOrCompile(
            key("many " + std::to_string(C)),
            [&]() -> Expected<ThreadSafeModule> { return makeAddKernel(C); },
            "k", 1);
        if (!Code) {
          consumeError(Code.takeError());
          ++Failures;
          continue;
        }
        if (runKernel(**Code, 5)[4] != 44.0 + C)
          ++Failures;
      }
    });
  for (auto &T : Threads)
    T.join();
  EXPECT_EQ(Failures.load(), 0);
}

TEST_F(JITEngine, EvictionReleasesCode) {
  clearMemoryCache();
  setCacheLimitsForTesting(2, 256ull << 20, 512ull << 20);
  Stats Before = stats();
  uint64_t LiveBefore = liveCodeBytes();
  auto Held = compileOrDie(key("evict 0"), [] { return makeAddKernel(10.0); });
  ASSERT_TRUE(Held);
  for (int I = 1; I < 4; ++I)
    ASSERT_TRUE(compileOrDie(key("evict " + std::to_string(I)),
                             [I] { return makeAddKernel(10.0 + I); }));
  Stats After = stats();
  EXPECT_EQ(After.Entries, 2u);
  EXPECT_EQ(After.Evictions, Before.Evictions + 2);
  // Two kernels are cached and one is still held by us though evicted.
  EXPECT_EQ(liveCodeBytes(), LiveBefore + After.CodeBytes + Held->codeBytes());
  // An evicted kernel keeps working while someone holds it...
  EXPECT_EQ(runKernel(*Held, 3)[2], 32.0);
  // ...and its memory goes when the last holder lets go.
  uint64_t HeldBytes = Held->codeBytes();
  uint64_t LiveHeld = liveCodeBytes();
  Held.reset();
  EXPECT_EQ(liveCodeBytes(), LiveHeld - HeldBytes);

  // A byte bound evicts too.
  setCacheLimitsForTesting(4096, 1, 512ull << 20);
  EXPECT_EQ(stats().Entries, 0u);
  EXPECT_EQ(stats().CodeBytes, 0u);
  EXPECT_EQ(liveCodeBytes(), LiveBefore);
  setCacheLimitsForTesting(4096, 256ull << 20, 512ull << 20);

  // Asking again for an evicted key recompiles (or loads from disk).
  int Builds = 0;
  auto Back = compileOrDie(
      key("evict 0"), [] { return makeAddKernel(10.0); }, 2, &Builds);
  ASSERT_TRUE(Back);
  EXPECT_EQ(Builds, 0) << "expected the disk cache to serve it";
  EXPECT_TRUE(Back->fromDisk());
}

TEST_F(JITEngine, DiskHitDoesNotBuild) {
  int Builds = 0;
  auto Code = compileOrDie(
      key("disk"), [] { return makeAddKernel(5.0); }, 2, &Builds);
  ASSERT_TRUE(Code);
  std::string File = cacheFileForTesting(key("disk"), "k", 2);
  ASSERT_FALSE(File.empty());
  EXPECT_TRUE(sys::fs::exists(File)) << File;
  EXPECT_EQ(StringRef(File).substr(0, Dir.size()), Dir);
  Code.reset();
  clearMemoryCache();

  Stats Before = stats();
  auto Loaded = getOrCompile(
      key("disk"),
      []() -> Expected<ThreadSafeModule> {
        ADD_FAILURE() << "Build called on a disk hit";
        return makeAddKernel(5.0);
      },
      "k", 2);
  ASSERT_TRUE(bool(Loaded)) << toString(Loaded.takeError());
  EXPECT_TRUE((*Loaded)->fromDisk());
  EXPECT_EQ(runKernel(**Loaded)[3], 38.0);
  Stats After = stats();
  EXPECT_EQ(After.DiskHits, Before.DiskHits + 1);
  EXPECT_EQ(After.Misses, Before.Misses + 1);
  EXPECT_EQ(After.Compiles, Before.Compiles);
}

/// Compiles Key, damages its cache file with Damage, and checks that the
/// next lookup rebuilds (not loads) it and rewrites a good file.
void checkDamageIsRepaired(JITEngine &T, const std::string &Key, double C,
                           std::function<void(const std::string &)> Damage) {
  auto Make = [C] { return makeAddKernel(C); };
  ASSERT_TRUE(compileOrDie(Key, Make));
  std::string File = cacheFileForTesting(Key, "k", 2);
  ASSERT_TRUE(sys::fs::exists(File));
  clearMemoryCache();
  Damage(File);

  Stats Before = stats();
  int Builds = 0;
  auto Code = compileOrDie(Key, Make, 2, &Builds);
  ASSERT_TRUE(Code);
  EXPECT_EQ(Builds, 1) << "a damaged file must not be loaded";
  EXPECT_FALSE(Code->fromDisk());
  EXPECT_EQ(runKernel(*Code, 4)[3], 33.0 + C);
  Stats After = stats();
  EXPECT_EQ(After.DiskHits, Before.DiskHits);
  EXPECT_EQ(After.Compiles, Before.Compiles + 1);

  // The file was rewritten: the next process (here: after a clear) loads it.
  Code.reset();
  clearMemoryCache();
  Builds = 0;
  auto Again = compileOrDie(Key, Make, 2, &Builds);
  ASSERT_TRUE(Again);
  EXPECT_EQ(Builds, 0);
  EXPECT_TRUE(Again->fromDisk());
}

std::string readFile(const std::string &Path) {
  auto Buf = MemoryBuffer::getFile(Path, false, false);
  return Buf ? (*Buf)->getBuffer().str() : std::string();
}

void writeFile(const std::string &Path, const std::string &Bytes) {
  std::error_code EC;
  raw_fd_ostream OS(Path, EC);
  ASSERT_FALSE(EC);
  OS << Bytes;
}

TEST_F(JITEngine, FlippedPayloadByteIsDetected) {
  checkDamageIsRepaired(*this, key("flip"), 6.0, [](const std::string &F) {
    std::string Bytes = readFile(F);
    ASSERT_GT(Bytes.size(), 100u);
    Bytes[Bytes.size() - 50] ^= 0x5a;
    writeFile(F, Bytes);
  });
}

TEST_F(JITEngine, FlippedHeaderByteIsDetected) {
  checkDamageIsRepaired(*this, key("flip header"), 7.0,
                        [](const std::string &F) {
                          std::string Bytes = readFile(F);
                          Bytes[20] ^= 0x01; // inside PayloadBytes
                          writeFile(F, Bytes);
                        });
}

TEST_F(JITEngine, TruncatedFileIsDetected) {
  checkDamageIsRepaired(*this, key("truncate"), 8.0, [](const std::string &F) {
    std::string Bytes = readFile(F);
    writeFile(F, Bytes.substr(0, Bytes.size() / 2));
  });
}

TEST_F(JITEngine, EmptyFileIsDetected) {
  checkDamageIsRepaired(*this, key("empty"), 9.0,
                        [](const std::string &F) { writeFile(F, ""); });
}

TEST_F(JITEngine, FileOfAnotherKeyIsNotLoaded) {
  // Simulates a hash collision: a valid file whose stored key differs.
  ASSERT_TRUE(
      compileOrDie(key("other key"), [] { return makeAddKernel(50.0); }));
  std::string Other = cacheFileForTesting(key("other key"), "k", 2);
  checkDamageIsRepaired(
      *this, key("collision"), 12.0,
      [&](const std::string &F) { writeFile(F, readFile(Other)); });
}

TEST_F(JITEngine, UnwritableDirectoryDegradesSilently) {
  // A regular file where the directory should be: nothing can be created.
  std::string NotADir = Dir + "/file";
  writeFile(NotADir, "x");
  setCacheDirForTesting(NotADir + "/cache");
  auto Code = compileOrDie(key("readonly"), [] { return makeAddKernel(13.0); });
  ASSERT_TRUE(Code);
  EXPECT_EQ(runKernel(*Code, 2)[1], 24.0);
  auto Code2 =
      compileOrDie(key("readonly 2"), [] { return makeAddKernel(14.0); });
  ASSERT_TRUE(Code2);
}

TEST_F(JITEngine, DisabledDiskCacheWritesNothing) {
  setCacheDirForTesting("");
  EXPECT_EQ(cacheDir(), "");
  ASSERT_TRUE(compileOrDie(key("nodisk"), [] { return makeAddKernel(15.0); }));
  EXPECT_EQ(cacheFileForTesting(key("nodisk"), "k", 2), "");
  std::error_code EC;
  sys::fs::directory_iterator It(Dir, EC), End;
  EXPECT_TRUE(It == End) << "found " << It->path();
}

TEST_F(JITEngine, DiskSizeIsBounded) {
  ASSERT_TRUE(compileOrDie(key("size 0"), [] { return makeAddKernel(20.0); }));
  uint64_t FileBytes = 0;
  sys::fs::file_size(cacheFileForTesting(key("size 0"), "k", 2), FileBytes);
  ASSERT_GT(FileBytes, 0u);
  // Room for three files; writing more deletes the least recently used.
  setCacheLimitsForTesting(4096, 256ull << 20, 3 * FileBytes + FileBytes / 2);
  for (int I = 1; I < 8; ++I)
    ASSERT_TRUE(compileOrDie(key("size " + std::to_string(I)),
                             [I] { return makeAddKernel(20.0 + I); }));
  setCacheLimitsForTesting(4096, 256ull << 20, 512ull << 20);
  int Files = 0;
  uint64_t Total = 0;
  std::error_code EC;
  for (sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC;
       It.increment(EC)) {
    ++Files;
    uint64_t S = 0;
    sys::fs::file_size(It->path(), S);
    Total += S;
  }
  EXPECT_LE(Total, 3 * FileBytes + FileBytes / 2);
  EXPECT_GE(Files, 1);
  // The newest survives.
  EXPECT_TRUE(sys::fs::exists(cacheFileForTesting(key("size 7"), "k", 2)));
}

TEST_F(JITEngine, ChildProcessUsesAndCompilesKernels) {
  auto Code = compileOrDie(key("fork"), [] { return makeAddKernel(30.0); });
  ASSERT_TRUE(Code);
  pid_t Pid = fork();
  ASSERT_GE(Pid, 0);
  if (Pid == 0) {
    int Status = 0;
    if (runKernel(*Code, 3)[2] != 52.0)
      Status |= 1;
    auto Hit = getOrCompile(
        key("fork"),
        []() -> Expected<ThreadSafeModule> { return makeAddKernel(30.0); }, "k",
        2);
    if (!Hit || Hit->get() != Code.get())
      Status |= 2;
    if (!Hit)
      consumeError(Hit.takeError());
    auto New = getOrCompile(
        key("fork child"),
        []() -> Expected<ThreadSafeModule> { return makeVectorKernel(4); }, "k",
        2);
    if (!New) {
      consumeError(New.takeError());
      Status |= 4;
    } else if (runKernel(**New, 11)[10] != 320.0) {
      Status |= 8;
    }
    _exit(Status);
  }
  int Status = -1;
  ASSERT_EQ(waitpid(Pid, &Status, 0), Pid);
  ASSERT_TRUE(WIFEXITED(Status));
  EXPECT_EQ(WEXITSTATUS(Status), 0);
  // The parent is unaffected.
  EXPECT_EQ(runKernel(*Code, 3)[2], 52.0);
}

TEST_F(JITEngine, ForkWhileOtherThreadsCompile) {
  std::atomic<bool> Stop{false};
  std::thread Worker([&] {
    for (int I = 0; !Stop; ++I) {
      auto Code = getOrCompile(
          key("bg " + std::to_string(I)),
          [&]() -> Expected<ThreadSafeModule> { return makeAddKernel(I); }, "k",
          1);
      if (!Code)
        consumeError(Code.takeError());
    }
  });
  int Bad = 0;
  for (int Round = 0; Round < 5; ++Round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    pid_t Pid = fork();
    ASSERT_GE(Pid, 0);
    if (Pid == 0) {
      auto New = getOrCompile(
          key("child " + std::to_string(Round)),
          []() -> Expected<ThreadSafeModule> { return makeAddKernel(-1.0); },
          "k", 2);
      int Status = 0;
      if (!New) {
        consumeError(New.takeError());
        Status = 1;
      } else if (runKernel(**New, 2)[1] != 10.0) {
        Status = 2;
      }
      _exit(Status);
    }
    int Status = -1;
    waitpid(Pid, &Status, 0);
    if (!WIFEXITED(Status) || WEXITSTATUS(Status) != 0)
      ++Bad;
  }
  Stop = true;
  Worker.join();
  EXPECT_EQ(Bad, 0);
}

TEST_F(JITEngine, FullKeyHasTheEnvironment) {
  std::string Full = fullCacheKey("expr", "k", 2);
  const HostTarget &T = hostTarget();
  EXPECT_NE(Full.find(T.Triple), std::string::npos);
  EXPECT_NE(Full.find(T.CPU), std::string::npos);
  EXPECT_NE(Full.find(T.Features), std::string::npos);
  EXPECT_NE(Full.find("LLVM 19"), std::string::npos);
  EXPECT_NE(Full.find("Sleef 3.5.1"), std::string::npos);
  EXPECT_NE(Full.find("nejit "), std::string::npos);
  EXPECT_NE(Full, fullCacheKey("expr", "k", 3));
  EXPECT_NE(Full, fullCacheKey("expr", "k2", 2));
  EXPECT_NE(cacheFileForTesting("expr", "k", 2),
            cacheFileForTesting("expr2", "k", 2));
}

TEST_F(JITEngine, OptimizeAndEmitAssembly) {
  ThreadSafeModule TSM = makeVectorKernel(8);
  TSM.withModuleDo([](Module &M) {
    optimizeModule(M, 2);
    auto Asm = emitAssembly(M, 2);
    ASSERT_TRUE(bool(Asm)) << toString(Asm.takeError());
    EXPECT_NE(Asm->find("k:"), std::string::npos);
    if (hostTarget().VectorBits == 512)
      EXPECT_NE(Asm->find("zmm"), std::string::npos);
  });
  auto Haswell = makeTarget("haswell", "");
  ASSERT_TRUE(bool(Haswell));
  ThreadSafeModule TSM4 = makeVectorKernel(4);
  TSM4.withModuleDo([&](Module &M) {
    prepareModule(M, &*Haswell);
    optimizeModule(M, 2, &*Haswell);
    auto Asm = emitAssembly(M, 2, &*Haswell);
    ASSERT_TRUE(bool(Asm)) << toString(Asm.takeError());
    EXPECT_NE(Asm->find("ymm"), std::string::npos);
    EXPECT_EQ(Asm->find("zmm"), std::string::npos);
  });
}

//===----------------------------------------------------------------------===//
// Timing: prints the numbers the design cares about. Loose bounds only, so
// that a loaded machine does not make the suite flaky.
//===----------------------------------------------------------------------===//

double median(std::vector<double> V) {
  std::sort(V.begin(), V.end());
  return V[V.size() / 2];
}

TEST_F(JITEngine, Timing) {
  unsigned Lanes = hostTarget().VectorBits / 64;
  auto Now = [] { return std::chrono::steady_clock::now(); };
  auto Ms = [](auto D) {
    return std::chrono::duration<double, std::milli>(D).count();
  };
  for (unsigned O : {0u, 1u, 2u, 3u}) {
    // Cold compiles: unique keys, disk cache off.
    setCacheDirForTesting("");
    std::vector<double> Cold, BuildOnly;
    for (int I = 0; I < 21; ++I) {
      std::string K =
          key("timing cold O" + std::to_string(O) + " " + std::to_string(I));
      auto T0 = Now();
      auto Code = getOrCompile(
          K,
          [&]() -> Expected<ThreadSafeModule> {
            return makeVectorKernel(Lanes);
          },
          "k", O);
      Cold.push_back(Ms(Now() - T0));
      ASSERT_TRUE(bool(Code)) << toString(Code.takeError());
    }
    auto T0 = Now();
    for (int I = 0; I < 21; ++I)
      makeVectorKernel(Lanes);
    double Build = Ms(Now() - T0) / 21;
    std::printf("[timing] cold compile O%u, %u-wide 2*a+3*b: median %.3f ms "
                "(building the module by hand: %.3f ms)\n",
                O, Lanes, median(Cold), Build);
    if (O == 2)
      EXPECT_LT(median(Cold), 50.0);
  }

  // Memory hits, with a short key and one the size of a real kernel's
  // canonical IR text.
  auto Make = [&]() -> Expected<ThreadSafeModule> {
    return makeVectorKernel(Lanes);
  };
  for (size_t Pad : {0u, 1000u}) {
    std::string K = key("timing hit " + std::string(Pad, 'x'));
    ASSERT_TRUE(bool(getOrCompile(K, Make, "k", 2)));
    const int Hits = 200000;
    auto T0 = Now();
    for (int I = 0; I < Hits; ++I) {
      auto Code = getOrCompile(K, Make, "k", 2);
      if (!Code)
        consumeError(Code.takeError());
    }
    double HitUs = Ms(Now() - T0) * 1000.0 / Hits;
    std::printf("[timing] memory hit (key of %zu bytes): %.3f us\n", K.size(),
                HitUs);
  }

  // Disk hits.
  setCacheDirForTesting(Dir);
  std::vector<double> Disk;
  for (int I = 0; I < 21; ++I) {
    std::string DK = key("timing disk " + std::to_string(I));
    ASSERT_TRUE(bool(getOrCompile(DK, Make, "k", 2)));
  }
  clearMemoryCache();
  for (int I = 0; I < 21; ++I) {
    std::string DK = key("timing disk " + std::to_string(I));
    auto T1 = Now();
    auto Code = getOrCompile(
        DK,
        []() -> Expected<ThreadSafeModule> {
          return createStringError(inconvertibleErrorCode(), "not a disk hit");
        },
        "k", 2);
    Disk.push_back(Ms(Now() - T1));
    ASSERT_TRUE(bool(Code)) << toString(Code.takeError());
  }
  std::printf("[timing] disk hit: median %.3f ms\n", median(Disk));
}

} // namespace

//===- Support/Stack.cpp - Recursion bounded by the stack left ------------===//
/// \file
/// The calling thread's stack bounds come from pthread_getattr_np once per
/// thread (for the main thread glibc derives them from RLIMIT_STACK and the
/// [stack] mapping, which costs a read of /proc/self/maps); a check is then a
/// comparison of a local's address with the cached lower bound.
//===----------------------------------------------------------------------===//
#include "Support/Stack.h"

#include <cstdint>
#include <pthread.h>

namespace nejit {

namespace {

struct StackBounds {
  uintptr_t Low = 0, High = 0;
  bool Queried = false, Known = false;
};

thread_local StackBounds Bounds;

void queryBounds(StackBounds &B) {
  B.Queried = true;
  pthread_attr_t Attr;
  if (pthread_getattr_np(pthread_self(), &Attr) != 0)
    return;
  void *Addr = nullptr;
  size_t Size = 0;
  if (pthread_attr_getstack(&Attr, &Addr, &Size) == 0 && Addr && Size) {
    B.Low = reinterpret_cast<uintptr_t>(Addr);
    B.High = B.Low + Size;
    B.Known = true;
  }
  pthread_attr_destroy(&Attr);
}

} // namespace

std::optional<size_t> remainingStack() {
  StackBounds &B = Bounds;
  if (!B.Queried)
    queryBounds(B);
  auto Here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (!B.Known || Here <= B.Low || Here > B.High)
    return std::nullopt;
  return Here - B.Low;
}

RecursionLimit::Level::Level(RecursionLimit &R) : R(R) {
  std::optional<size_t> Left = remainingStack();
  if (Left ? *Left < StackReserve : R.Depth >= UnmeasuredDepth)
    return;
  ++R.Depth;
  Entered = true;
}

llvm::Error nestedTooDeeply(SourceLoc Loc) {
  return makeError(ErrorKind::Syntax, Loc, "expression is nested too deeply");
}

} // namespace nejit

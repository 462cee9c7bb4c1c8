//===- Support/Stack.h - Recursion bounded by the stack left ----*- C++ -*-===//
/// \file
/// Recursion whose depth comes from the expression text measures the calling
/// thread's remaining stack, so that deep nesting is a positioned error in
/// any thread -- Python threads may run with 256 KiB stacks, `ulimit -s` may
/// be small -- instead of a stack overflow.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_SUPPORT_STACK_H
#define NEJIT_SUPPORT_STACK_H

#include "Support/Diagnostic.h"

#include <cstddef>
#include <optional>

namespace nejit {

/// Bytes of stack left below the caller's frame in the calling thread, or
/// nullopt when the caller runs on a stack its thread's attributes do not
/// describe (a coroutine's or a signal handler's).
std::optional<size_t> remainingStack();

/// Stack kept free below the last level of a recursive walk: the work done
/// between two checks and at the bottom (folding, error construction) stays
/// far inside it.
constexpr size_t StackReserve = 64 * 1024;

/// Levels allowed when the stack cannot be measured.
constexpr unsigned UnmeasuredDepth = 200;

/// Counts the levels of one recursive walk and refuses a level when the
/// stack is nearly used up. Usage: `RecursionLimit::Level L(Limit); if
/// (!L) return nestedTooDeeply(Loc);`
class RecursionLimit {
public:
  class Level {
  public:
    explicit Level(RecursionLimit &R);
    ~Level() {
      if (Entered)
        --R.Depth;
    }
    Level(const Level &) = delete;
    Level &operator=(const Level &) = delete;
    /// False when this level would risk the stack.
    explicit operator bool() const { return Entered; }

  private:
    RecursionLimit &R;
    bool Entered = false;
  };

private:
  unsigned Depth = 0;
};

/// The error for an expression nested beyond what nejit can walk.
llvm::Error nestedTooDeeply(SourceLoc Loc);

} // namespace nejit

#endif // NEJIT_SUPPORT_STACK_H

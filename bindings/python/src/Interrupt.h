//===- Interrupt.h - Ctrl-C during a long kernel run ------------*- C++ -*-===//
/// \file
/// Declares the scope that makes a long kernel run on Python's main thread
/// stop at SIGINT: while it is armed a C-level SIGINT handler sets the
/// run's cancellation flag and chains to the handler it replaced (Python's,
/// which records the signal as usual); afterwards Python's handler runs and
/// raises KeyboardInterrupt.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_INTERRUPT_H
#define NEJIT_BINDINGS_PYTHON_INTERRUPT_H

#include "PythonApi.h"

#include <atomic>
#include <cstdint>
#include <signal.h>

namespace nejit_py {

/// Runs shorter than this many elements (well under a millisecond) are not
/// worth interrupting, and pay nothing for the possibility.
constexpr int64_t InterruptThreshold = 1 << 18;

/// Arms around one kernel run. Construct and call finish() with the GIL
/// held; disarm() needs no GIL.
class InterruptScope {
public:
  /// Arms when the run has at least InterruptThreshold elements, the caller
  /// is Python's main thread, and SIGINT's Python handler is
  /// signal.default_int_handler (a handler that may not raise must see
  /// complete results). Stays unarmed if any of that cannot be found out.
  explicit InterruptScope(int64_t Elements) {
    if (Elements >= InterruptThreshold)
      arm();
  }
  ~InterruptScope() {
    if (Armed)
      disarm();
  }
  InterruptScope(const InterruptScope &) = delete;
  InterruptScope &operator=(const InterruptScope &) = delete;

  /// The flag to pass to Kernel::run: nullptr when not armed.
  const std::atomic<bool> *flag() const;
  /// Restores the handler SIGINT had before arming.
  void disarm();
  /// After the run, with the GIL: false with the exception of Python's
  /// SIGINT handler (KeyboardInterrupt) set when SIGINT came during it.
  bool finish() { return !WasArmed || finishArmed(); }

private:
  void arm();
  bool finishArmed();

  bool Armed = false, WasArmed = false;
};

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_INTERRUPT_H

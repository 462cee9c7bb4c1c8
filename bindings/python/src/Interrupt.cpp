//===- Interrupt.cpp - Ctrl-C during a long kernel run --------------------===//
/// \file
/// A kernel run releases the GIL, so Python's SIGINT handler only records
/// the signal, and KeyboardInterrupt would wait for the run to end. While
/// a long run is armed, SIGINT goes first to onSigint, which sets the flag
/// the runtime polls between kernel calls and then calls the handler it
/// replaced (Python's C handler), so Python sees the signal exactly as it
/// would have. Only Python's main thread arms, as only it gets
/// KeyboardInterrupt; so there is never more than one armed scope and no
/// lock (nothing for fork() to inherit half-held). A child forked while
/// the parent was armed inherits onSigint, which keeps chaining to
/// Python's handler and is replaced by it again at the child's next disarm.
//===----------------------------------------------------------------------===//
#include "Interrupt.h"
#include "PyRef.h"

namespace nejit_py {
namespace {

std::atomic<bool> Interrupted{false};

// The handler onSigint chains to: stored before onSigint is installed, read
// by it on whatever thread the signal lands (lock-free atomics are
// async-signal-safe).
std::atomic<void (*)(int)> ChainHandler{nullptr};
std::atomic<void (*)(int, siginfo_t *, void *)> ChainAction{nullptr};
struct sigaction Saved; // what disarm() restores; main thread only

void onSigint(int Sig, siginfo_t *Info, void *Context) {
  Interrupted.store(true, std::memory_order_relaxed);
  if (auto *Action = ChainAction.load(std::memory_order_relaxed))
    Action(Sig, Info, Context);
  else if (auto *Handler = ChainHandler.load(std::memory_order_relaxed))
    Handler(Sig);
}

bool isOurs(const struct sigaction &A) {
  return (A.sa_flags & SA_SIGINFO) && A.sa_sigaction == onSigint;
}

// Built on first use and never released (the module is never unloaded).
PyObject *MainThreadFunc, *GetSignal, *DefaultIntHandler, *SigintNumber;

bool loadSignalObjects() {
  if (GetSignal)
    return true;
  Ref Signal(PyImport_ImportModule("signal"));
  Ref Threading(PyImport_ImportModule("threading"));
  if (!Signal || !Threading)
    return false;
  Ref Main(PyObject_GetAttrString(Threading.P, "main_thread"));
  Ref Default(PyObject_GetAttrString(Signal.P, "default_int_handler"));
  Ref Number(PyLong_FromLong(SIGINT));
  Ref Get(PyObject_GetAttrString(Signal.P, "getsignal"));
  if (!Main || !Default || !Number || !Get)
    return false;
  MainThreadFunc = Main.release();
  DefaultIntHandler = Default.release();
  SigintNumber = Number.release();
  GetSignal = Get.release(); // last: it marks the set complete
  return true;
}

/// Whether this is Python's main thread and SIGINT's Python handler the
/// default one, which raises KeyboardInterrupt.
bool wantsInterrupts() {
  if (!loadSignalObjects())
    return false;
  Ref Main(PyObject_CallNoArgs(MainThreadFunc));
  Ref Ident(Main ? PyObject_GetAttrString(Main.P, "ident") : nullptr);
  if (!Ident)
    return false;
  unsigned long MainIdent = PyLong_AsUnsignedLong(Ident.P);
  if (PyErr_Occurred() || MainIdent != PyThread_get_thread_ident())
    return false;
  Ref Handler(PyObject_CallOneArg(GetSignal, SigintNumber));
  return Handler.P == DefaultIntHandler;
}

} // namespace

void InterruptScope::arm() {
  bool Want = wantsInterrupts();
  if (PyErr_Occurred())
    PyErr_Clear(); // best effort: such a run is just not interruptible
  if (!Want)
    return;
  struct sigaction Current;
  if (sigaction(SIGINT, nullptr, &Current) != 0)
    return;
  if (!isOurs(Current)) {
    // Not Python's handler (SIGINT default or ignored): leave it alone.
    if (!(Current.sa_flags & SA_SIGINFO) &&
        (Current.sa_handler == SIG_DFL || Current.sa_handler == SIG_IGN))
      return;
    Saved = Current;
    if (Current.sa_flags & SA_SIGINFO) {
      ChainAction.store(Current.sa_sigaction);
      ChainHandler.store(nullptr);
    } else {
      ChainAction.store(nullptr);
      ChainHandler.store(Current.sa_handler);
    }
  } // else: inherited from an armed parent; the chain and Saved still hold
  Interrupted.store(false);
  struct sigaction Ours = {};
  Ours.sa_sigaction = onSigint;
  Ours.sa_flags = SA_SIGINFO | SA_ONSTACK; // Python's handler: SA_ONSTACK
  sigemptyset(&Ours.sa_mask);
  if (sigaction(SIGINT, &Ours, nullptr) != 0)
    return;
  Armed = WasArmed = true;
}

const std::atomic<bool> *InterruptScope::flag() const {
  return Armed ? &Interrupted : nullptr;
}

void InterruptScope::disarm() {
  if (!Armed)
    return;
  sigaction(SIGINT, &Saved, nullptr);
  Armed = false;
}

bool InterruptScope::finishArmed() {
  disarm();
  if (!Interrupted.load())
    return true;
  Interrupted.store(false);
  // Runs Python's handler for the signal onSigint passed on to it.
  if (PyErr_CheckSignals() < 0)
    return false;
  // The handler was replaced during the run and did not raise; the result
  // is incomplete all the same.
  PyErr_SetNone(PyExc_KeyboardInterrupt);
  return false;
}

} // namespace nejit_py

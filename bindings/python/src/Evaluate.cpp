//===- Evaluate.cpp - evaluate/validate/re_evaluate entry points ----------===//
/// \file
/// `nejit.evaluate`, `nejit.validate` and `nejit.re_evaluate` as METH_FASTCALL
/// functions, and the extension's evaluate-side initialization. A call binds
/// its arguments (Arguments.cpp), looks the expression string up in a dict
/// whose hash CPython caches (ExprCache.cpp), finds the variables in the
/// given dicts or the caller's frame (Scope.cpp), converts them the way
/// numexpr does (Arrays.cpp), picks the compiled kernel for their dtypes
/// from a short per-expression list (ExprCache.cpp), and runs it with
/// numexpr's broadcasting and out= rules (RunKernel.cpp). Nothing on this
/// path parses the expression or builds a JIT cache key once the expression
/// has been seen with these dtypes.
//===----------------------------------------------------------------------===//
#define NEJIT_NUMPY_IMPORT_HERE
#include "Arguments.h"
#include "Arrays.h"
#include "ExprCache.h"
#include "PyRef.h"
#include "ResultPool.h"
#include "RunKernel.h"
#include "Scope.h"
#include "common.h"

#include <algorithm>
#include <vector>

namespace nejit_py {
namespace {

PyObject *StrLastKey; // thread-state dict key of the last validated call

/// Everything between the arguments and the run: names -> arrays -> kernel.
struct Prepared {
  ExprInfo *Info = nullptr;
  PyObject *Capsule = nullptr; // borrowed
  KernelEntry *Entry = nullptr;
  ArrayList Inputs;
};

/// Looks up and converts Info's variables, then finds (or compiles) the
/// kernel for their dtypes.
bool prepareWith(ExprInfo *Info, Scope &S, uint8_t Opt, Prepared &P) {
  P.Info = Info;
  size_t N = Info->Names.size();
  std::vector<int64_t> Codes(N);
  P.Inputs.A.reserve(N);
  for (size_t I = 0; I < N; ++I) {
    Ref V(S.lookup(Info->Names[I]));
    if (!V)
      return false;
    nejit::DType T;
    int64_t IS;
    PyArrayObject *A = asNejitArray(V.P, T, IS);
    if (!A)
      return false;
    P.Inputs.A.push_back(A);
    Codes[I] = codeOf(T, IS);
  }
  P.Entry = getKernel(Info, Codes, Opt);
  return P.Entry != nullptr;
}

/// Records the validated expression for re_evaluate (per thread).
bool storeLast(PyObject *Capsule, uint8_t Opt, PyObject *Out, PyObject *Order,
               PyObject *Casting) {
  PyObject *TD = PyThreadState_GetDict();
  if (!TD) {
    PyErr_SetString(PyExc_RuntimeError, "no thread state dict");
    return false;
  }
  Ref OutRef;
  if (Out && Out != Py_None) {
    OutRef.reset(PyWeakref_NewRef(Out, nullptr));
    if (!OutRef)
      return false;
  } else {
    Py_INCREF(Py_None);
    OutRef.reset(Py_None);
  }
  Ref T(PyTuple_New(5));
  if (!T)
    return false;
  Py_INCREF(Capsule);
  PyTuple_SET_ITEM(T.P, 0, Capsule);
  PyTuple_SET_ITEM(T.P, 1, PyLong_FromLong(Opt));
  PyTuple_SET_ITEM(T.P, 2, OutRef.release());
  PyObject *O = Order ? Order : StrK;
  PyObject *C = Casting ? Casting : StrSameKind;
  Py_INCREF(O);
  Py_INCREF(C);
  PyTuple_SET_ITEM(T.P, 3, O);
  PyTuple_SET_ITEM(T.P, 4, C);
  return PyDict_SetItem(TD, StrLastKey, T.P) == 0;
}

/// evaluate(): the result array (or `out`).
PyObject *evaluateImpl(PyObject *, PyObject *const *Args, Py_ssize_t NArgs,
                       PyObject *KwNames) {
  Param Ps[] = {{&KwEx},       {&KwLocal},      {&KwGlobal},
                {&KwOut},      {&KwOrder},      {&KwCasting},
                {&KwSanitize}, {&KwFrameDepth}, {&KwDisableCache}};
  PyObject *OptObj = nullptr, *Truediv = nullptr, *BackendObj = nullptr;
  if (!bindArgs("evaluate", Ps, 9, 1, Args, NArgs, KwNames, true, &OptObj,
                &Truediv, &BackendObj))
    return nullptr;
  PyObject *Ex = Ps[0].Value;
  PyObject *Local = Ps[1].Value == Py_None ? nullptr : Ps[1].Value;
  PyObject *Global = Ps[2].Value == Py_None ? nullptr : Ps[2].Value;
  PyObject *Out = Ps[3].Value;
  int Depth;
  if (!frameDepth(Ps[7].Value, 3, Depth))
    return nullptr;
  bool DisableCache = false;
  if (Ps[8].Value) {
    int T = PyObject_IsTrue(Ps[8].Value);
    if (T < 0)
      return nullptr;
    DisableCache = T;
  }
  if (!PyUnicode_Check(Ex)) {
    PyErr_SetString(PyExc_ValueError, "must specify expression as a string");
    return nullptr;
  }
  bool Sanitize;
  if (DisableCache) {
    // numexpr 2.14.2 passes sanitize=None straight to the parser on this
    // path, which then does not sanitize: keep that behaviour.
    Sanitize = Ps[6].Value && Ps[6].Value != Py_None &&
               PyObject_IsTrue(Ps[6].Value) == 1;
  } else if (!resolveSanitize(Ps[6].Value, Sanitize)) {
    return nullptr;
  }
  uint8_t Opt;
  if (!contextCode(OptObj, BackendObj, Opt))
    return nullptr;
  Prepared P;
  P.Info = getInfo(Ex, Sanitize, &P.Capsule);
  if (!P.Info)
    return nullptr;
  Ref Cap(P.Capsule);
  Py_INCREF(P.Capsule); // the dict may drop it while we run
  Scope S(Local, Global, std::max(Depth - 3, 0));
  if (!prepareWith(P.Info, S, Opt, P))
    return nullptr;
  if (!DisableCache &&
      !storeLast(P.Capsule, Opt, Out, Ps[4].Value, Ps[5].Value))
    return nullptr;
  char Order;
  NPY_CASTING Casting;
  if (!parseOrder(Ps[4].Value, Order) || !parseCasting(Ps[5].Value, Casting))
    return nullptr;
  return runKernel(P.Entry->K, P.Entry->Result, P.Inputs.A, Out, Order,
                   Casting);
}

/// validate(): the exception object on failure, None on success.
PyObject *validateImpl(PyObject *, PyObject *const *Args, Py_ssize_t NArgs,
                       PyObject *KwNames) {
  Param Ps[] = {{&KwEx},    {&KwLocal},   {&KwGlobal},     {&KwOut},
                {&KwOrder}, {&KwCasting}, {&KwFrameDepth}, {&KwSanitize}};
  PyObject *OptObj = nullptr, *Truediv = nullptr, *BackendObj = nullptr;
  bool Ok = [&]() -> bool {
    if (!bindArgs("validate", Ps, 8, 1, Args, NArgs, KwNames, true, &OptObj,
                  &Truediv, &BackendObj))
      return false;
    PyObject *Ex = Ps[0].Value;
    PyObject *Local = Ps[1].Value == Py_None ? nullptr : Ps[1].Value;
    PyObject *Global = Ps[2].Value == Py_None ? nullptr : Ps[2].Value;
    int Depth;
    if (!frameDepth(Ps[6].Value, 2, Depth))
      return false;
    if (!PyUnicode_Check(Ex)) {
      PyErr_SetString(PyExc_ValueError, "must specify expression as a string");
      return false;
    }
    bool Sanitize;
    if (!resolveSanitize(Ps[7].Value, Sanitize))
      return false;
    uint8_t Opt;
    if (!contextCode(OptObj, BackendObj, Opt))
      return false;
    Prepared P;
    P.Info = getInfo(Ex, Sanitize, &P.Capsule);
    if (!P.Info)
      return false;
    Ref Cap(P.Capsule);
    Py_INCREF(P.Capsule);
    Scope S(Local, Global, std::max(Depth - 2, 0));
    if (!prepareWith(P.Info, S, Opt, P))
      return false;
    PyObject *Casting = Ps[5].Value ? Ps[5].Value : StrSafe;
    return storeLast(P.Capsule, Opt, Ps[3].Value, Ps[4].Value, Casting);
  }();
  if (Ok)
    Py_RETURN_NONE;
  // Only ordinary exceptions are returned; KeyboardInterrupt and friends
  // propagate.
  if (!PyErr_ExceptionMatches(PyExc_Exception))
    return nullptr;
  PyObject *Type, *Value, *Tb;
  PyErr_Fetch(&Type, &Value, &Tb);
  PyErr_NormalizeException(&Type, &Value, &Tb);
  if (Tb)
    PyException_SetTraceback(Value, Tb);
  Py_XDECREF(Type);
  Py_XDECREF(Tb);
  return Value;
}

/// re_evaluate(): evaluate() of the last validated expression of this thread
/// with its out/order/casting, on the current values of its variables.
PyObject *reEvaluateImpl(PyObject *, PyObject *const *Args, Py_ssize_t NArgs,
                         PyObject *KwNames) {
  Param Ps[] = {{&KwLocal}, {&KwGlobal}, {&KwFrameDepth}};
  if (!bindArgs("re_evaluate", Ps, 3, 0, Args, NArgs, KwNames, false, nullptr,
                nullptr))
    return nullptr;
  PyObject *Local = Ps[0].Value == Py_None ? nullptr : Ps[0].Value;
  PyObject *Global = Ps[1].Value == Py_None ? nullptr : Ps[1].Value;
  int Depth;
  if (!frameDepth(Ps[2].Value, 2, Depth))
    return nullptr;
  PyObject *TD = PyThreadState_GetDict();
  PyObject *Last = TD ? PyDict_GetItemWithError(TD, StrLastKey) : nullptr;
  if (!Last) {
    if (!PyErr_Occurred())
      PyErr_SetString(PyExc_RuntimeError,
                      "A previous evaluate() execution was not found, please "
                      "call `validate` or `evaluate` once before "
                      "`re_evaluate`");
    return nullptr;
  }
  Ref Hold(Last);
  Py_INCREF(Last);
  PyObject *Capsule = PyTuple_GET_ITEM(Last, 0);
  uint8_t Opt = uint8_t(PyLong_AsLong(PyTuple_GET_ITEM(Last, 1)));
  PyObject *OutRef = PyTuple_GET_ITEM(Last, 2);
  PyObject *Out = nullptr;
  if (OutRef != Py_None) {
    Out = PyWeakref_GetObject(OutRef); // borrowed; None when dead
    if (Out == Py_None)
      Out = nullptr;
  }
  Ref OutHold(Out);
  Py_XINCREF(Out);
  char Order;
  NPY_CASTING Casting;
  if (!parseOrder(PyTuple_GET_ITEM(Last, 3), Order) ||
      !parseCasting(PyTuple_GET_ITEM(Last, 4), Casting))
    return nullptr;
  Prepared P;
  P.Capsule = Capsule;
  Scope S(Local, Global, std::max(Depth - 2, 0));
  if (!prepareWith(infoOf(Capsule), S, Opt, P))
    return nullptr;
  return runKernel(P.Entry->K, P.Entry->Result, P.Inputs.A, Out, Order,
                   Casting);
}

PyObject *clearExprCacheImpl(PyObject *, PyObject *) {
  clearExprCache();
  Py_RETURN_NONE;
}

PyObject *exprCacheSizeImpl(PyObject *, PyObject *) {
  return PyLong_FromSsize_t(exprCacheSize());
}

PyMethodDef Methods[] = {
    {"evaluate",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(evaluateImpl)),
     METH_FASTCALL | METH_KEYWORDS,
     "evaluate(ex, local_dict=None, global_dict=None, out=None, order='K', "
     "casting='same_kind', sanitize=None, _frame_depth=3, "
     "disable_cache=False, **kwargs)\n--\n\n"
     "Evaluate an array expression element-wise (numexpr.evaluate)."},
    {"validate",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(validateImpl)),
     METH_FASTCALL | METH_KEYWORDS,
     "validate(ex, local_dict=None, global_dict=None, out=None, order='K', "
     "casting='safe', _frame_depth=2, sanitize=None, **kwargs)\n--\n\n"
     "Check an expression and its operands; return the exception or None "
     "(numexpr.validate)."},
    {"re_evaluate",
     reinterpret_cast<PyCFunction>(
         reinterpret_cast<void (*)()>(reEvaluateImpl)),
     METH_FASTCALL | METH_KEYWORDS,
     "re_evaluate(local_dict=None, global_dict=None, _frame_depth=2)\n--\n\n"
     "Re-evaluate the expression last validated in this thread with the "
     "current operands (numexpr.re_evaluate)."},
    {"_clear_expr_cache", clearExprCacheImpl, METH_NOARGS,
     "Drop the per-expression cache of the evaluate() fast path."},
    {"_expr_cache_size", exprCacheSizeImpl, METH_NOARGS,
     "Expressions held by the evaluate() fast path."},
    {nullptr, nullptr, 0, nullptr}};

} // namespace

bool initEvaluate(PyObject *Module) {
  if (_import_array() < 0)
    return false;
  StrLastKey = PyUnicode_InternFromString("nejit._last_validated");
  if (!StrLastKey || !initArguments() || !initExprCache() ||
      !initResultPool(Module))
    return false;
  return PyModule_AddFunctions(Module, Methods) == 0;
}

} // namespace nejit_py

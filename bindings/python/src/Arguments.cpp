//===- Arguments.cpp - Arguments and keywords of evaluate() ---------------===//
/// \file
/// Binds the arguments of evaluate/validate/re_evaluate to their parameters
/// and parses each keyword with numexpr's checks and messages (order,
/// casting, optimization, truediv, _frame_depth, sanitize).
//===----------------------------------------------------------------------===//
#include "Arguments.h"
#include "PyRef.h"

#include "nejit/nejit.h"

#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace nejit_py {

PyObject *StrK, *StrSameKind, *StrSafe, *StrAuto;
PyObject *OptNames[3];
PyObject *BackendNames[4];
PyObject *KwEx, *KwLocal, *KwGlobal, *KwOut, *KwOrder, *KwCasting, *KwSanitize,
    *KwFrameDepth, *KwDisableCache, *KwOptimization, *KwTruediv,
    *KwBackend;

bool parseOrder(PyObject *O, char &Order) {
  if (O == nullptr || O == Py_None || O == StrK) {
    Order = 'K';
    return true;
  }
  if (PyUnicode_Check(O) && PyUnicode_GetLength(O) == 1) {
    Py_UCS4 C = PyUnicode_ReadChar(O, 0);
    if (C == 'C' || C == 'F' || C == 'A' || C == 'K' || C == 'c' || C == 'f' ||
        C == 'a' || C == 'k') {
      Order = char(C >= 'a' ? C - 'a' + 'A' : C);
      return true;
    }
  }
  PyErr_Format(PyExc_ValueError,
               "order must be one of 'C', 'F', 'A', or 'K' (got %R)", O);
  return false;
}

bool parseCasting(PyObject *O, NPY_CASTING &C) {
  if (O == nullptr || O == StrSameKind) {
    C = NPY_SAME_KIND_CASTING;
    return true;
  }
  if (O == StrSafe) {
    C = NPY_SAFE_CASTING;
    return true;
  }
  if (PyUnicode_Check(O)) {
    const char *S = PyUnicode_AsUTF8(O);
    if (!S)
      return false;
    static const struct {
      const char *N;
      NPY_CASTING C;
    } Table[] = {{"no", NPY_NO_CASTING},
                 {"equiv", NPY_EQUIV_CASTING},
                 {"safe", NPY_SAFE_CASTING},
                 {"same_kind", NPY_SAME_KIND_CASTING},
                 {"unsafe", NPY_UNSAFE_CASTING}};
    for (auto &T : Table)
      if (std::strcmp(S, T.N) == 0) {
        C = T.C;
        return true;
      }
  }
  PyErr_Format(PyExc_ValueError,
               "casting must be one of 'no', 'equiv', 'safe', 'same_kind', "
               "or 'unsafe'");
  return false;
}

const char *castingName(NPY_CASTING C) {
  switch (C) {
  case NPY_NO_CASTING:
    return "no";
  case NPY_EQUIV_CASTING:
    return "equiv";
  case NPY_SAFE_CASTING:
    return "safe";
  case NPY_SAME_KIND_CASTING:
    return "same_kind";
  default:
    return "unsafe";
  }
}

namespace {

/// The index of the parameter named Key, -1 if none. Keyword names are
/// usually the interned strings themselves, so identity is tried first.
int findParam(const Param *Params, int NParams, PyObject *Key) {
  for (int P = 0; P < NParams; ++P)
    if (Key == *Params[P].Name)
      return P;
  for (int P = 0; P < NParams; ++P)
    if (PyUnicode_Compare(Key, *Params[P].Name) == 0)
      return P;
  return -1;
}

/// Binds the keyword arguments (values KwValues, names KwNames). With
/// Context, `optimization`, `truediv` and `backend` go to
/// *Opt/*Truediv/*Backend; the first other unknown keyword goes to Unknown.
bool bindKeywords(const char *Func, Param *Params, int NParams,
                  PyObject *const *KwValues, PyObject *KwNames, bool Context,
                  PyObject **Opt, PyObject **Truediv, PyObject **Backend,
                  PyObject *&Unknown) {
  Py_ssize_t NKw = PyTuple_GET_SIZE(KwNames);
  for (Py_ssize_t I = 0; I < NKw; ++I) {
    PyObject *Key = PyTuple_GET_ITEM(KwNames, I);
    PyObject *Val = KwValues[I];
    int Found = findParam(Params, NParams, Key);
    if (Found >= 0) {
      if (Params[Found].Value) {
        PyErr_Format(PyExc_TypeError,
                     "%s() got multiple values for argument '%U'", Func, Key);
        return false;
      }
      Params[Found].Value = Val;
      continue;
    }
    if (Context && PyUnicode_Compare(Key, KwOptimization) == 0) {
      *Opt = Val;
    } else if (Context && PyUnicode_Compare(Key, KwTruediv) == 0) {
      *Truediv = Val;
    } else if (Context && Backend && PyUnicode_Compare(Key, KwBackend) == 0) {
      *Backend = Val;
    } else if (!Unknown) {
      Unknown = Key;
    }
  }
  return true;
}

/// 1 if V == one of Allowed, 0 if not, -1 on a comparison error.
int equalsOneOf(PyObject *V, std::initializer_list<PyObject *> Allowed) {
  int Ok = 0;
  for (PyObject *A : Allowed) {
    Ok = PyObject_RichCompareBool(V, A, Py_EQ);
    if (Ok != 0)
      break;
  }
  return Ok;
}

/// numexpr's checks of the `optimization` and `truediv` keywords, and of
/// nejit's `backend` (nullptr when absent).
bool checkContextKeywords(PyObject *Opt, PyObject *Truediv,
                          PyObject *Backend) {
  if (Backend) {
    int Ok = equalsOneOf(Backend, {BackendNames[0], BackendNames[1],
                                   BackendNames[2], BackendNames[3]});
    if (Ok < 0)
      return false;
    if (!Ok) {
      PyErr_SetString(PyExc_ValueError,
                      "'backend' must be one of ('auto', 'sleef', 'vml', "
                      "'libm')");
      return false;
    }
  }
  if (Opt) {
    int Ok = equalsOneOf(Opt, {OptNames[0], OptNames[1], OptNames[2]});
    if (Ok < 0)
      return false;
    if (!Ok) {
      PyErr_SetString(PyExc_ValueError,
                      "'optimization' must be one of ('none', 'moderate', "
                      "'aggressive')");
      return false;
    }
  }
  if (Truediv) {
    int Ok = equalsOneOf(Truediv, {Py_False, Py_True, StrAuto});
    if (Ok < 0)
      return false;
    if (!Ok) {
      PyErr_SetString(PyExc_ValueError,
                      "'truediv' must be one of (False, True, 'auto')");
      return false;
    }
  }
  return true;
}

} // namespace

bool bindArgs(const char *Func, Param *Params, int NParams, int NRequired,
              PyObject *const *Args, Py_ssize_t NArgs, PyObject *KwNames,
              bool Context, PyObject **Opt, PyObject **Truediv,
              PyObject **Backend) {
  if (NArgs > NParams) {
    PyErr_Format(PyExc_TypeError,
                 "%s() takes from %d to %d positional arguments but %zd were "
                 "given",
                 Func, NRequired, NParams, NArgs);
    return false;
  }
  for (Py_ssize_t I = 0; I < NArgs; ++I)
    Params[I].Value = Args[I];
  PyObject *Unknown = nullptr;
  if (KwNames && !bindKeywords(Func, Params, NParams, Args + NArgs, KwNames,
                               Context, Opt, Truediv, Backend, Unknown))
    return false;
  for (int P = 0; P < NRequired; ++P)
    if (!Params[P].Value) {
      PyErr_Format(PyExc_TypeError,
                   "%s() missing 1 required positional argument: '%U'", Func,
                   *Params[P].Name);
      return false;
    }
  // numexpr validates the known keywords before it reports unknown ones.
  if (Context &&
      !checkContextKeywords(*Opt, *Truediv, Backend ? *Backend : nullptr))
    return false;
  if (Unknown) {
    if (Context)
      PyErr_Format(PyExc_ValueError, "Unknown keyword argument '%U'", Unknown);
    else
      PyErr_Format(PyExc_TypeError,
                   "%s() got an unexpected keyword argument '%U'", Func,
                   Unknown);
    return false;
  }
  return true;
}

bool optimizationCode(PyObject *Opt, uint8_t &Code) {
  Code = uint8_t(nejit::Optimization::Aggressive);
  if (!Opt)
    return true;
  for (int I = 0; I < 3; ++I) {
    int Eq = PyObject_RichCompareBool(Opt, OptNames[I], Py_EQ);
    if (Eq < 0)
      return false;
    if (Eq) {
      Code = uint8_t(I);
      return true;
    }
  }
  return true;
}

bool contextCode(PyObject *Opt, PyObject *Backend, uint8_t &Code) {
  if (!optimizationCode(Opt, Code))
    return false;
  if (!Backend)
    return true;
  for (int I = 0; I < 4; ++I) {
    int Eq = PyObject_RichCompareBool(Backend, BackendNames[I], Py_EQ);
    if (Eq < 0)
      return false;
    if (Eq) {
      Code |= uint8_t(I << 4);
      return true;
    }
  }
  return true;
}

bool frameDepth(PyObject *O, int Default, int &Depth) {
  if (!O) {
    Depth = Default;
    return true;
  }
  long V = PyLong_AsLong(O);
  if (V == -1 && PyErr_Occurred())
    return false;
  Depth = int(V);
  return true;
}

bool resolveSanitize(PyObject *S, bool &Sanitize) {
  if (S == nullptr || S == Py_None) {
    const char *Env = std::getenv("NUMEXPR_SANITIZE");
    if (!Env) {
      Sanitize = true;
      return true;
    }
    Ref Str(PyUnicode_FromString(Env));
    if (!Str)
      return false;
    Ref Int(PyLong_FromUnicodeObject(Str.P, 10));
    if (!Int)
      return false;
    int T = PyObject_IsTrue(Int.P);
    if (T < 0)
      return false;
    Sanitize = T != 0;
    return true;
  }
  int T = PyObject_IsTrue(S);
  if (T < 0)
    return false;
  Sanitize = T != 0;
  return true;
}

bool initArguments() {
  struct {
    PyObject **Slot;
    const char *Text;
  } Strings[] = {{&StrK, "K"},
                 {&StrSameKind, "same_kind"},
                 {&StrSafe, "safe"},
                 {&StrAuto, "auto"},
                 {&OptNames[0], "none"},
                 {&OptNames[1], "moderate"},
                 {&OptNames[2], "aggressive"},
                 {&BackendNames[0], "auto"},
                 {&BackendNames[1], "sleef"},
                 {&BackendNames[2], "vml"},
                 {&BackendNames[3], "libm"},
                 {&KwBackend, "backend"},
                 {&KwEx, "ex"},
                 {&KwLocal, "local_dict"},
                 {&KwGlobal, "global_dict"},
                 {&KwOut, "out"},
                 {&KwOrder, "order"},
                 {&KwCasting, "casting"},
                 {&KwSanitize, "sanitize"},
                 {&KwFrameDepth, "_frame_depth"},
                 {&KwDisableCache, "disable_cache"},
                 {&KwOptimization, "optimization"},
                 {&KwTruediv, "truediv"}};
  for (auto &S : Strings) {
    *S.Slot = PyUnicode_InternFromString(S.Text);
    if (!*S.Slot)
      return false;
  }
  return true;
}

} // namespace nejit_py

//===- Arguments.h - Arguments and keywords of evaluate() -------*- C++ -*-===//
/// \file
/// Declares the binding of evaluate/validate/re_evaluate's positional and
/// keyword arguments and the parsing of each keyword numexpr accepts.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_ARGUMENTS_H
#define NEJIT_BINDINGS_PYTHON_ARGUMENTS_H

#include "PythonApi.h"

#include <cstdint>

namespace nejit_py {

// Interned strings, built once at import and never released (the module is
// never unloaded).
extern PyObject *StrK, *StrSameKind, *StrSafe, *StrAuto;
extern PyObject *OptNames[3]; // 'none', 'moderate', 'aggressive'
extern PyObject *KwEx, *KwLocal, *KwGlobal, *KwOut, *KwOrder, *KwCasting,
    *KwSanitize, *KwFrameDepth, *KwDisableCache, *KwOptimization, *KwTruediv, *KwBackend;

/// Builds the interned strings above; false with a Python error set on
/// failure.
bool initArguments();

/// One named parameter of a function; Value is borrowed, nullptr if absent.
struct Param {
  PyObject **Name;
  PyObject *Value = nullptr;
};

/// Binds positional and keyword arguments to Params; `optimization`,
/// `truediv` and (given Backend) nejit's `backend` go to
/// *Opt/*Truediv/*Backend when Context is set. Unknown keywords are
/// numexpr's ValueError for evaluate/validate, a TypeError otherwise.
bool bindArgs(const char *Func, Param *Params, int NParams, int NRequired,
              PyObject *const *Args, Py_ssize_t NArgs, PyObject *KwNames,
              bool Context, PyObject **Opt, PyObject **Truediv,
              PyObject **Backend = nullptr);

/// The `order` keyword ('K' when absent or None).
bool parseOrder(PyObject *O, char &Order);
/// The `casting` keyword ('same_kind' when absent).
bool parseCasting(PyObject *O, NPY_CASTING &C);
/// The spelling of a casting rule, for messages.
const char *castingName(NPY_CASTING C);

/// numexpr's optimization keyword as nejit's enum value (default aggressive).
bool optimizationCode(PyObject *Opt, uint8_t &Code);
/// The kernel-selecting context of evaluate/validate in one byte: the
/// optimization's code in the low nibble, nejit::MathBackend's value of the
/// `backend` keyword (auto when absent) in the high one.
bool contextCode(PyObject *Opt, PyObject *Backend, uint8_t &Code);
/// The `_frame_depth` keyword, Default when absent.
bool frameDepth(PyObject *O, int Default, int &Depth);
/// Resolves the sanitize flag: None means NUMEXPR_SANITIZE (read per call)
/// or True.
bool resolveSanitize(PyObject *S, bool &Sanitize);

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_ARGUMENTS_H

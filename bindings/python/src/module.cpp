//===- module.cpp - The nejit._nejit extension module ---------------------===//
/// \file
/// pybind11 bindings of include/nejit/nejit.h: compile() and Kernel, the
/// cache statistics, thread control and versions. The numexpr-compatible
/// evaluate/validate/re_evaluate fast path is added from Evaluate.cpp.
/// The `nejit` package (nejit/__init__.py) builds the public API on these.
//===----------------------------------------------------------------------===//
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "Arguments.h"
#include "common.h"

#include <string>
#include <vector>

namespace py = pybind11;
using namespace nejit_py;

namespace {

const char *reductionName(nejit::Reduction R) {
  switch (R) {
  case nejit::Reduction::Sum:
    return "sum";
  case nejit::Reduction::Prod:
    return "prod";
  case nejit::Reduction::Min:
    return "min";
  case nejit::Reduction::Max:
    return "max";
  default:
    return nullptr;
  }
}

nejit::DType dtypeFromCode(const std::string &Code, int64_t &ItemSize) {
  int64_t IS = 0;
  std::optional<nejit::DType> T = nejit::parseDType(Code, &IS);
  if (!T)
    throw py::value_error("unknown nejit dtype '" + Code + "'");
  if (*T == nejit::DType::Bytes && ItemSize == 0)
    ItemSize = IS;
  return *T;
}

/// Operand I of a Kernel call as the signature's native, aligned array (a
/// new reference): converted to an array, cast under rule Cast when its
/// dtype differs, with numpy's iterator message when the rule forbids it.
static PyArrayObject *inputArray(PyObject *Obj, const nejit::Arg &Want,
                                 size_t I, NPY_CASTING Cast) {
  py::object Arr;
  if (PyArray_Check(Obj))
    Arr = py::reinterpret_borrow<py::object>(Obj);
  else {
    PyObject *A = PyArray_FromAny(Obj, nullptr, 0, 0, 0, nullptr);
    if (!A)
      throw py::error_already_set();
    Arr = py::reinterpret_steal<py::object>(A);
  }
  PyArray_Descr *Have =
      PyArray_DESCR(reinterpret_cast<PyArrayObject *>(Arr.ptr()));
  nejit::DType T;
  int64_t IS;
  if (!mapDType(Have, T, IS))
    throw py::error_already_set();
  bool Same = T == Want.Type && (T != nejit::DType::Bytes ||
                                 Want.ItemSize == 0 || Want.ItemSize == IS);
  if (!Same) {
    PyArray_Descr *To = descrFor(Want.Type, Want.ItemSize);
    if (!To)
      throw py::error_already_set();
    py::object ToObj = py::reinterpret_steal<py::object>(
        reinterpret_cast<PyObject *>(To));
    if (!PyArray_CanCastTypeTo(Have, To, Cast))
      throw py::type_error(
          "Iterator operand " + std::to_string(I + 1) +
          " dtype could not be cast from " +
          py::repr(py::handle(reinterpret_cast<PyObject *>(Have)))
              .cast<std::string>() +
          " to " + py::repr(ToObj).cast<std::string>() +
          " according to the rule '" + castingName(Cast) + "'");
    Py_INCREF(To);
    PyObject *Conv = PyArray_FromArray(
        reinterpret_cast<PyArrayObject *>(Arr.ptr()), To,
        NPY_ARRAY_FORCECAST | NPY_ARRAY_ALIGNED | NPY_ARRAY_NOTSWAPPED);
    if (!Conv)
      throw py::error_already_set();
    Arr = py::reinterpret_steal<py::object>(Conv);
  }
  PyArrayObject *A = asNejitArray(Arr.ptr(), T, IS); // native, aligned
  if (!A)
    throw py::error_already_set();
  return A;
}

/// A compiled kernel as seen from Python: nejit.Kernel.
struct PyKernel {
  nejit::Kernel K;
  py::object Result; // numpy dtype of the result
  /// The options it was compiled with, the accuracy resolved: with the
  /// expression and signature, the recipe that rebuilds it (for pickling).
  nejit::Options Opts;

  PyKernel(nejit::Kernel Kern, const nejit::Options &O)
      : K(std::move(Kern)), Opts(O) {
    PyArray_Descr *D = descrFor(K.resultType(), K.resultItemSize());
    if (!D)
      throw py::error_already_set();
    Result = py::reinterpret_steal<py::object>(reinterpret_cast<PyObject *>(D));
  }

  /// Runs on arrays given positionally (signature order) or by name.
  /// Inputs of another dtype are cast to the signature's with `casting`
  /// (numexpr's NumExpr objects use 'safe').
  py::object call(py::args Args, py::kwargs Kwargs) {
    const nejit::Signature &Sig = K.signature();
    size_t N = Sig.size();
    std::vector<PyObject *> Given(N, nullptr);
    if (Args.size() > N)
      throw py::type_error("kernel takes " + std::to_string(N) +
                           " arguments but " + std::to_string(Args.size()) +
                           " were given");
    for (size_t I = 0; I < Args.size(); ++I)
      Given[I] = Args[I].ptr();
    PyObject *Out = Py_None, *Order = nullptr, *Casting = nullptr;
    for (auto Item : Kwargs) {
      std::string Key = py::cast<std::string>(Item.first);
      PyObject *V = Item.second.ptr();
      if (Key == "out") {
        Out = V;
        continue;
      }
      if (Key == "order") {
        Order = V;
        continue;
      }
      if (Key == "casting") {
        Casting = V;
        continue;
      }
      if (Key == "ex_uses_vml")
        continue;
      size_t I = 0;
      while (I < N && Sig[I].Name != Key)
        ++I;
      if (I == N)
        throw py::type_error("unexpected keyword argument '" + Key + "'");
      if (Given[I])
        throw py::type_error("got multiple values for argument '" + Key + "'");
      Given[I] = V;
    }
    for (size_t I = 0; I < N; ++I)
      if (!Given[I])
        throw py::type_error("missing argument '" + Sig[I].Name + "'");

    char Ord = 'K';
    NPY_CASTING Cast = NPY_SAFE_CASTING; // NumExpr objects' default
    if ((Order && !parseOrder(Order, Ord)) ||
        (Casting && Casting != Py_None && !parseCasting(Casting, Cast)))
      throw py::error_already_set();

    std::vector<PyArrayObject *> Inputs;
    struct Cleanup {
      std::vector<PyArrayObject *> &V;
      ~Cleanup() {
        for (PyArrayObject *A : V)
          Py_XDECREF(A);
      }
    } C{Inputs};
    for (size_t I = 0; I < N; ++I)
      Inputs.push_back(inputArray(Given[I], Sig[I], I, Cast));
    PyObject *R = runKernel(K, reinterpret_cast<PyArray_Descr *>(Result.ptr()),
                            Inputs, Out, Ord, Cast);
    if (!R)
      throw py::error_already_set();
    return py::reinterpret_steal<py::object>(R);
  }

  py::list outputs() const {
    py::list L;
    for (const nejit::OutputInfo &O : K.outputs()) {
      PyArray_Descr *D = descrFor(O.Type, O.ItemSize);
      if (!D)
        throw py::error_already_set();
      L.append(py::make_tuple(O.Name, py::reinterpret_steal<py::object>(
                                          reinterpret_cast<PyObject *>(D))));
    }
    return L;
  }

  py::list signature() const {
    py::list L;
    for (const nejit::Arg &A : K.signature()) {
      PyArray_Descr *D = descrFor(A.Type, A.ItemSize);
      if (!D)
        throw py::error_already_set();
      L.append(py::make_tuple(A.Name, py::reinterpret_steal<py::object>(
                                          reinterpret_cast<PyObject *>(D))));
    }
    return L;
  }
};

} // namespace

/// [(name, dtype code, item size)] from Python as a nejit::Signature.
static nejit::Signature signatureFrom(
    const std::vector<std::tuple<std::string, std::string, int64_t>> &Sig) {
  nejit::Signature S;
  for (const auto &[Name, Code, Size] : Sig) {
    int64_t ItemSize = Size;
    nejit::Arg A;
    A.Name = Name;
    A.Type = dtypeFromCode(Code, ItemSize);
    A.ItemSize = ItemSize;
    S.push_back(std::move(A));
  }
  return S;
}

/// MKL is loaded by the first vml_status() (or the first kernel that needs
/// it), not at import: it costs about 20 ms.
static void defineVmlApi(py::module_ &m) {
  m.def("add_vml_search_prefix",
        [](const std::string &P) { nejit::addVmlSearchPrefix(P); });
  m.def("vml_status", []() {
    nejit::VmlStatus V;
    {
      py::gil_scoped_release NoGil;
      V = nejit::vmlStatus();
    }
    py::dict D;
    D["available"] = V.Available;
    D["version"] = V.Version;
    D["library"] = V.Library;
    D["problem"] = V.Problem;
    return D;
  });
  m.def("set_vml_num_threads",
        [](int N) { return nejit::setVmlNumThreads(N); });
  m.def("get_vml_num_threads", []() { return nejit::getVmlNumThreads(); });
}

/// nejit.Kernel: calling, the signature and outputs, the options it was
/// compiled with, and dis().
static void defineKernelClass(py::module_ &m) {
  py::class_<PyKernel>(m, "Kernel", R"doc(A compiled expression.

Call it with arrays positionally (signature order) or by name; keyword
arguments out=, order= ('K') and casting= ('safe') as in numexpr.)doc")
      .def("__call__", &PyKernel::call)
      .def("run", &PyKernel::call, "Same as calling the kernel.")
      .def_property_readonly("expression",
                             [](const PyKernel &K) { return K.K.expression(); })
      .def_property_readonly("signature", &PyKernel::signature,
                             "[(name, numpy dtype)] in argument order")
      .def_property_readonly("input_names",
                             [](const PyKernel &K) {
                               py::list L;
                               for (const nejit::Arg &A : K.K.signature())
                                 L.append(A.Name);
                               return py::tuple(L);
                             })
      .def_property_readonly("used_inputs",
                             [](const PyKernel &K) { return K.K.usedInputs(); })
      .def_property_readonly("result_dtype",
                             [](const PyKernel &K) { return K.Result; })
      .def_property_readonly("reduction",
                             [](const PyKernel &K) -> py::object {
                               const char *N = reductionName(K.K.reduction());
                               if (!N)
                                 return py::none();
                               return py::str(N);
                             })
      .def_property_readonly("outputs", &PyKernel::outputs,
                             "[(name, numpy dtype)] of every output (one "
                             "unnamed output for an expression)")
      .def_property_readonly(
          "passes", [](const PyKernel &K) { return K.K.passes(); },
          "passes over memory per run (1 for one fused loop)")
      .def_property_readonly(
          "is_plan", [](const PyKernel &K) { return K.K.isPlan(); },
          "whether it runs as an execution plan (reductions inside "
          "expressions, or named outputs); then a call returns a dict when "
          "it has named outputs")
      .def_property_readonly(
          "options",
          [](const PyKernel &K) {
            static const char *Acc[] = {"high", "low", "fast"};
            static const char *Opt[] = {"none", "moderate", "aggressive"};
            static const char *Backend[] = {"auto", "sleef", "vml", "libm"};
            py::dict D;
            D["backend"] = Backend[int(K.Opts.Backend)];
            D["accuracy"] = Acc[int(K.Opts.Acc)];
            D["optimization"] = Opt[int(K.Opts.Opt)];
            D["opt_level"] = K.Opts.OptLevel;
            return D;
          },
          "{'accuracy', 'optimization', 'opt_level', 'backend'} as compiled "
          "(the accuracy resolved from set_vml_accuracy_mode when it was "
          "None; the backend as asked for)")
      .def_property_readonly("reduction_axis",
                             [](const PyKernel &K) -> py::object {
                               auto A = K.K.reductionAxis();
                               if (!A)
                                 return py::none();
                               return py::int_(*A);
                             })
      .def(
          "dis",
          [](const PyKernel &K, const std::string &Stage) {
            std::optional<nejit::Stage> S = nejit::parseStage(Stage);
            if (!S)
              throw py::value_error("unknown stage '" + Stage +
                                    "' (ast, ir, opt-ir, kernel-ir, plan, "
                                    "llvm, opt-llvm, asm)");
            std::string Text;
            {
              py::gil_scoped_release NoGil;
              Text = K.K.dis(*S);
            }
            return Text;
          },
          py::arg("stage") = "opt-ir",
          "The text of one compilation stage: ast, ir, opt-ir, kernel-ir "
          "(as cached: literals lifted, inputs by position), plan (the "
          "passes over memory), llvm, opt-llvm or asm.")
      .def("__repr__", [](const PyKernel &K) {
        return "<nejit.Kernel '" + K.K.expression() + "' -> " +
               py::str(K.Result).cast<std::string>() + ">";
      });
}

PYBIND11_MODULE(_nejit, m) {
  m.doc() = "nejit's C++ core: an LLVM ORC JIT for numexpr-style array "
            "expressions";
  if (!initEvaluate(m.ptr()))
    throw py::error_already_set();

  py::register_exception_translator([](std::exception_ptr P) {
    try {
      if (P)
        std::rethrow_exception(P);
    } catch (const nejit::Error &E) {
      setPythonError(E);
    }
  });

  defineKernelClass(m);

  m.def(
      "compile",
      [](const std::string &Expr,
         const std::vector<std::tuple<std::string, std::string, int64_t>> &Sig,
         int Accuracy, int Optimization, int OptLevel, int Backend) {
        nejit::Signature S = signatureFrom(Sig);
        nejit::Options O;
        O.Acc = Accuracy < 0 ? currentAccuracy() : nejit::Accuracy(Accuracy);
        O.Opt = nejit::Optimization(Optimization);
        O.OptLevel = OptLevel;
        O.Backend = nejit::MathBackend(Backend);
        nejit::Kernel K;
        {
          py::gil_scoped_release NoGil;
          K = nejit::compile(Expr, S, O);
        }
        return PyKernel(std::move(K), O);
      },
      py::arg("expr"), py::arg("signature"), py::arg("accuracy") = -1,
      py::arg("optimization") = 2, py::arg("opt_level") = 2,
      py::arg("backend") = 0,
      "Compile expr for [(name, dtype code, item size)] (codes as "
      "nejit::parseDType reads them).");

  m.def(
      "dis",
      [](const std::string &Expr,
         const std::vector<std::tuple<std::string, std::string, int64_t>> &Sig,
         const std::string &Stage, int Optimization, int Backend) {
        nejit::Signature S = signatureFrom(Sig);
        std::optional<nejit::Stage> St = nejit::parseStage(Stage);
        if (!St)
          throw py::value_error("unknown stage '" + Stage + "'");
        nejit::Options O;
        O.Acc = currentAccuracy();
        O.Opt = nejit::Optimization(Optimization);
        O.Backend = nejit::MathBackend(Backend);
        return nejit::dis(Expr, S, *St, O);
      },
      py::arg("expr"), py::arg("signature"), py::arg("stage"),
      py::arg("optimization") = 2, py::arg("backend") = 0);

  m.def("variable_names",
        [](const std::string &Expr) { return nejit::variableNames(Expr); });

  m.def("cache_stats", []() {
    nejit::CacheStats S = nejit::cacheStats();
    py::dict D;
    D["hits"] = S.Hits;
    D["misses"] = S.Misses;
    D["disk_hits"] = S.DiskHits;
    D["compiles"] = S.Compiles;
    D["evictions"] = S.Evictions;
    D["entries"] = S.Entries;
    D["code_bytes"] = S.CodeBytes;
    D["compile_seconds"] = S.CompileSeconds;
    D["tier1_runs"] = S.Tier1Runs;
    D["background_compiles"] = S.BackgroundCompiles;
    D["swaps"] = S.Swaps;
    return D;
  });
  m.def("clear_cache", []() { nejit::clearCache(); });
  m.def("set_tier", [](int T) { return (int)nejit::setTier(nejit::Tier(T)); });
  m.def("get_tier", []() { return (int)nejit::getTier(); });

  m.def("set_num_threads", [](int N) { return nejit::setNumThreads(N); });
  m.def("get_num_threads", []() { return nejit::getNumThreads(); });
  m.def("max_threads", []() { return nejit::maxThreads(); });
  m.def("detect_number_of_cores",
        []() { return nejit::detectNumberOfCores(); });

  m.def("set_accuracy", [](int A) {
    int Old = int(currentAccuracy());
    setCurrentAccuracy(nejit::Accuracy(A));
    return Old;
  });
  m.def("get_accuracy", []() { return int(currentAccuracy()); });

  defineVmlApi(m);

  m.def("version", []() { return std::string(nejit::version()); });
  m.def("version_string", []() { return nejit::versionString(); });
  m.def("target_cpu", []() {
    return py::make_tuple(nejit::targetCpu(), nejit::targetFeatures(),
                          nejit::targetVectorBits());
  });
  m.def("dtype_name", [](const std::string &Code) {
    int64_t IS = 0;
    return std::string(nejit::dtypeName(dtypeFromCode(Code, IS)));
  });
}

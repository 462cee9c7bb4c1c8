//===- nejit/nejit.h - The public API of nejit ------------------*- C++ -*-===//
/// \file
/// The whole public surface of nejit: compile a numexpr-style expression for a
/// signature, run the resulting kernel over (possibly strided, broadcast)
/// arrays, inspect every compilation stage. No LLVM, Sleef or OpenMP header is
/// reachable from here.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_NEJIT_H
#define NEJIT_NEJIT_H

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#if defined(_WIN32)
#define NEJIT_API
#else
#define NEJIT_API __attribute__((visibility("default")))
#endif

namespace nejit {

/// The element kinds nejit computes in: numexpr's kinds, ordered so that the
/// larger value wins in a promotion (bool < int32 < int64 < float32 < float64
/// < complex128). Bytes stands apart (fixed-width byte strings).
enum class DType : uint8_t {
  Bool,
  Int32,
  Int64,
  Float32,
  Float64,
  Complex128,
  Bytes
};

/// numpy's short spelling: "b1", "i4", "i8", "f4", "f8", "c16", "S".
NEJIT_API const char *dtypeName(DType T);
/// Size of one element in bytes; 0 for Bytes (its size is per operand).
NEJIT_API int64_t dtypeSize(DType T);
/// Parses "b1", "bool", "i4", "int32", "f8", "float64", "c16", "S", "S5", ...
/// Sets *ItemSize for "S<n>" spellings (0 when not given). nullopt if unknown.
NEJIT_API std::optional<DType> parseDType(std::string_view Spelling,
                                          int64_t *ItemSize = nullptr);

/// One named input of a kernel.
struct Arg {
  std::string Name;
  DType Type = DType::Float64;
  int64_t ItemSize =
      0; ///< element size in bytes for DType::Bytes; ignored otherwise
};
/// The inputs of a kernel, in the order the kernel receives them.
using Signature = std::vector<Arg>;

/// Accuracy of transcendental functions: High = nejit's own functions
/// (exp, expm1, tanh, sinh, cosh) and Sleef u10 (<= 1 ULP), or VML HA, Low = Sleef u35 (<= 3.5 ULP) or VML LA (<= 4 ULP), Fast = the
/// fastest variant available (Sleef u35, or VML EP: about half the
/// mantissa's bits correct). docs/accuracy.md has the measured bounds.
enum class Accuracy : uint8_t { High, Low, Fast };
/// Which library computes the transcendental functions.
///  - Auto: Intel MKL's VML for the functions where it measured better on
///    this kind of CPU (docs/performance.md) when MKL can be loaded, every
///    function VML covers when NEJIT_VML=1, Sleef otherwise and when
///    NEJIT_VML=0;
///  - Sleef: always Sleef (also where nejit has its own function);
///  - VML: VML for every function it covers (compile() throws Error when MKL
///    cannot be loaded; dis() prints the code without loading MKL);
///  - Libm: the C library's scalar function per element, the one numexpr
///    2.14.2 calls (sin for float64, sinf for float32), and numexpr's own
///    complex formulas over them: results bit-identical to numexpr's (and,
///    for real functions, numpy's) on the same machine; slower than Sleef.
/// Auto becomes Libm, Sleef or VML when the environment variable
/// NEJIT_MATH_BACKEND says libm, sleef or vml.
/// A kernel that calls VML runs as a loop over cache-sized blocks.
enum class MathBackend : uint8_t { Auto, Sleef, VML, Libm };
/// numexpr's `optimization=` keyword: only Aggressive expands powers.
enum class Optimization : uint8_t { None, Moderate, Aggressive };

struct Options {
  Accuracy Acc = Accuracy::High;
  Optimization Opt = Optimization::Aggressive;
  /// LLVM optimization level for the generated code, 0..3.
  int OptLevel = 2;
  MathBackend Backend = MathBackend::Auto;
  /// nejit's own inline functions (exp, expm1, tanh, sinh, cosh at High;
  /// docs/accuracy.md) where they serve; false, Backend Sleef or
  /// NEJIT_OWN_MATH=0 in the environment: Sleef computes them.
  bool OwnMath = true;
};

/// What went wrong; the Python binding maps each to numexpr's exception type.
enum class ErrorKind : uint8_t {
  Syntax,         ///< SyntaxError: the text is not an expression
  Value,          ///< ValueError: bad value, argument or function
  Type,           ///< TypeError: an operation on the wrong kind of operand
  Key,            ///< KeyError: a variable missing from the signature
  NotImplemented, ///< NotImplementedError: a type combination numexpr lacks
  Runtime,  ///< RuntimeError: misuse at run time (e.g. reduction not last)
  Overflow, ///< OverflowError: a constant beyond its type's range (an
            ///< integer beyond int64 where numexpr needs a C long, or a
            ///< folded float result out of range)
};

/// The one error type that crosses the API boundary. what() is the full
/// diagnostic, e.g.
///   <expr>:1:7: error: unknown function 'sine'
///   2*a + sine(b)
///         ^
class NEJIT_API Error : public std::runtime_error {
public:
  Error(ErrorKind Kind, std::string Message, std::string Expr = {},
        int Line = 0, int Column = 0);
  ErrorKind kind() const { return Kind; }
  /// The bare message, without position or caret.
  const std::string &message() const { return Message; }
  const std::string &expression() const { return Expr; }
  /// 1-based; 0 when the error has no position in the expression.
  int line() const { return Line; }
  int column() const { return Column; }

private:
  ErrorKind Kind;
  std::string Message, Expr;
  int Line, Column;
};

/// The stages nejit-dis and Kernel::dis can print.
enum class Stage : uint8_t {
  AST,     ///< the parse tree
  IR,      ///< typed IR straight out of Sema
  OptIR,   ///< typed IR after nejit's passes
  LLVM,    ///< LLVM IR as emitted
  OptLLVM, ///< LLVM IR after LLVM's optimization pipeline
  Asm,     ///< host assembly
  /// The IR CodeGen compiles and the JIT cache key names: OptIR with its
  /// constants lifted into run-time parameters, inputs by position.
  KernelIR,
  Plan, ///< the execution plan: the passes over memory (nejit's own)
};
NEJIT_API std::optional<Stage> parseStage(std::string_view Name);

enum class Reduction : uint8_t { None, Sum, Prod, Min, Max };

/// One operand of Kernel::run: its first element and one byte stride per
/// dimension of the iteration shape (0 broadcasts along that dimension).
struct ArrayView {
  void *Data = nullptr;
  const int64_t *Strides = nullptr;
};

/// One n-d array as Kernel::run(outputs, inputs) takes it: numpy's view
/// (first element, shape, one byte stride per dimension, 0 broadcasts).
struct NdArray {
  void *Data = nullptr;
  int NDim = 0;
  const int64_t *Shape = nullptr;
  const int64_t *Strides = nullptr;
};

/// One output of a kernel: a program's assigned name (empty for the value
/// of an expression), its type and element size.
struct OutputInfo {
  std::string Name;
  DType Type = DType::Float64;
  int64_t ItemSize = 0;
};

/// A compiled expression or program (statements `name = expr` separated by
/// `;` or newlines). Cheap to copy (shared state); thread-safe to run.
///
/// Beyond numexpr, reductions may stand anywhere and a program may have
/// several outputs (every assigned name when it ends with an assignment).
/// Such a kernel runs as an execution plan of several passes over memory;
/// each value has numpy's shape (broadcasting, reductions removing their
/// axis), so it is run with run(Outputs, Inputs), where every input brings
/// its own shape.
class NEJIT_API Kernel {
public:
  class Impl;
  Kernel();
  explicit Kernel(std::shared_ptr<const Impl> I);
  ~Kernel();
  Kernel(const Kernel &);
  Kernel &operator=(const Kernel &);

  const std::string &expression() const;
  const Signature &signature() const;
  /// Names the expression actually uses, in signature order.
  std::vector<std::string> usedInputs() const;
  DType resultType() const;
  /// Element size of the result in bytes (for Bytes results: the width).
  int64_t resultItemSize() const;
  Reduction reduction() const;
  /// The axis argument of the outermost reduction as written (may be
  /// negative); std::nullopt for axis=None or no reduction.
  std::optional<int> reductionAxis() const;

  /// Runs over an NDim-dimensional iteration space of extent Shape. Out has
  /// the result type; Inputs[i] has signature()[i]'s type. For a reduction,
  /// Out's strides are 0 along the reduced dimensions (all of them for
  /// axis=None) and its elements are overwritten with the result.
  /// All-zero Shape entries give an empty run. Throws Error on misuse,
  /// and (ValueError's "iterator is too large") when the element count or
  /// an operand's byte span does not fit in int64.
  ///
  /// With Cancel, the run reads *Cancel between kernel calls (each covers
  /// at most 65536 elements: a few milliseconds at most) and returns early
  /// once it is true, Out then partly written; the caller tells a cancelled
  /// run from a finished one by reading *Cancel afterwards.
  void run(int NDim, const int64_t *Shape, const ArrayView &Out,
           const ArrayView *Inputs,
           const std::atomic<bool> *Cancel = nullptr) const;
  /// Convenience: contiguous 1-D arrays of N elements (Out: 1 element for
  /// a reduction).
  void run(int64_t N, void *Out, const void *const *Inputs) const;

  /// The text of one compilation stage of this kernel.
  std::string dis(Stage S) const;

  /// Every output, in order (one for an expression).
  std::vector<OutputInfo> outputs() const;
  /// Whether it runs as an execution plan (a reduction inside an
  /// expression, or a program with named outputs): then its values have
  /// numpy's shapes and it runs with run(Outputs, Inputs) (the original
  /// run() only when every input has the one iteration shape).
  bool isPlan() const;
  /// The number of passes over memory it takes (1 unless it is a plan).
  int passes() const;
  /// The shape of every output for inputs of InputShapes (one per signature
  /// entry; unused inputs' shapes are ignored), by numpy's rules. Throws
  /// Error (ValueError, positioned at the operation) when operands cannot
  /// be broadcast or an axis is out of bounds.
  std::vector<std::vector<int64_t>>
  outputShapes(const std::vector<std::vector<int64_t>> &InputShapes) const;
  /// Runs with one view per output (each of outputShapes()' shape and its
  /// output's type) and one per input (its own shape and type). Nothing is
  /// written when it throws. Cancel as for the run() above.
  void run(const NdArray *Outputs, const NdArray *Inputs,
           const std::atomic<bool> *Cancel = nullptr) const;

  std::shared_ptr<const Impl> impl() const { return I; }

private:
  std::shared_ptr<const Impl> I;
};

/// Compiles Expr (an expression or a program of statements) for Sig. Found
/// again in the process-wide cache when the same (expression, signature,
/// options) was compiled before. Throws Error.
NEJIT_API Kernel compile(std::string_view Expr, const Signature &Sig,
                         const Options &Opts = {});

/// Prints one stage for Expr without keeping a kernel. Throws Error.
NEJIT_API std::string dis(std::string_view Expr, const Signature &Sig, Stage S,
                          const Options &Opts = {});

/// The variable names Expr refers to, in order of first appearance (what a
/// caller must bind before it can build a Signature). Throws Error on syntax.
NEJIT_API std::vector<std::string> variableNames(std::string_view Expr);

/// The variables a compiled Expr actually reads, as numexpr's evaluate()
/// finds them: the expression is built with every variable float64 and the
/// names left after constant folding are returned (`where(0 > 0, x, 1)`
/// reads none). Throws Error, including the errors of that typing (as
/// numexpr does: `s + b'x'` is a TypeError there).
NEJIT_API std::vector<std::string>
usedVariableNames(std::string_view Expr,
                  Optimization Opt = Optimization::Aggressive);

/// Process-wide JIT cache counters.
struct CacheStats {
  uint64_t Hits = 0;      ///< found in memory
  uint64_t Misses = 0;    ///< not in memory (then loaded from disk or compiled)
  uint64_t DiskHits = 0;  ///< object code loaded from the on-disk cache
  uint64_t Compiles = 0;  ///< compiled from scratch by LLVM
  uint64_t Evictions = 0; ///< dropped from memory by the LRU policy
  uint64_t Entries = 0;   ///< kernels held in memory now
  uint64_t CodeBytes = 0; ///< JIT code and data bytes held now
  double CompileSeconds = 0; ///< total time spent compiling
  /// Runs answered by the interpreter tier (NEJIT_TIER=interp|auto).
  uint64_t Tier1Runs = 0;
  /// Kernel variants the background compiler finished (NEJIT_TIER=auto).
  uint64_t BackgroundCompiles = 0;
  /// Interpreted kernel variants whose JIT code the background compiler
  /// installed (their next runs use it).
  uint64_t Swaps = 0;
};
NEJIT_API CacheStats cacheStats();

/// Which code runs kernels. Auto (the default): the interpreter, which needs
/// no compilation, until a kernel proves hot and its JIT code, compiled on a
/// background thread, is ready. Interp: the interpreter wherever it can run
/// the kernel (not byte strings), else the JIT. Jit: always JIT code. The
/// results are the same in every tier. Starts from NEJIT_TIER
/// (interp|jit|auto).
enum class Tier : uint8_t { Auto, Interp, Jit };
/// Sets the tier for every later run; returns the previous one.
NEJIT_API Tier setTier(Tier T);
NEJIT_API Tier getTier();
/// Drops every cached kernel held in memory (running kernels keep theirs).
NEJIT_API void clearCache();

/// Threads used for large arrays. setNumThreads returns the previous value
/// and throws Error for N < 1 or N > maxThreads().
NEJIT_API int setNumThreads(int N);
NEJIT_API int getNumThreads();
NEJIT_API int maxThreads();
NEJIT_API int detectNumberOfCores();

/// Intel MKL's vector math library (VML) as nejit finds it. MKL is never
/// linked: libmkl_rt is looked up in NEJIT_MKL_LIB (a file or a directory),
/// else in lib/ of every prefix given to addVmlSearchPrefix (the Python
/// package passes sys.prefix, where `pip install mkl` puts it), of
/// $CONDA_PREFIX and of $VIRTUAL_ENV, else by the dynamic linker's search.
struct VmlStatus {
  bool Available = false; ///< MKL is loaded and nejit can call VML
  std::string Version;    ///< MKL_Get_Version_String()
  std::string Library;    ///< the path that was loaded (or last tried)
  std::string Problem;    ///< why it is not available (empty if it is)
};
/// Loads MKL on the first call (once per process, thread-safe; about 20 ms).
NEJIT_API VmlStatus vmlStatus();
/// Only prefixes added before MKL is first looked for are searched.
NEJIT_API void addVmlSearchPrefix(std::string_view Prefix);
/// numexpr's VML thread setting. nejit calls VML with MKL's sequential
/// layer inside its own threads (setNumThreads), so this is recorded and
/// returned, not used. setVmlNumThreads returns the previous value.
NEJIT_API int setVmlNumThreads(int N);
NEJIT_API int getVmlNumThreads();

/// "nejit 0.1.0 (LLVM 19.1.7, Sleef 3.5.1, <cpu>, <vector width>)".
NEJIT_API std::string versionString();

/// The CPU that generated code targets, e.g. "znver3" (the default,
/// NEJIT_CPU unset or "native") or "x86-64-v2" (NEJIT_CPU=x86-64-v2). It is
/// read once per process, and is part of every cache key. Throws
/// nejit::Error if NEJIT_CPU names an unknown CPU or one whose features this
/// machine lacks (its code would die of SIGILL); compile() then throws the
/// same error.
NEJIT_API std::string targetCpu();
/// The features of targetCpu() that nejit's code generation depends on
/// (e.g. "sse4.2 avx2 fma"), and its vector width in bits.
NEJIT_API std::string targetFeatures();
NEJIT_API int targetVectorBits();
NEJIT_API const char *version();

} // namespace nejit

#endif // NEJIT_NEJIT_H

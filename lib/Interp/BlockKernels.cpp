//===- Interp/BlockKernels.cpp - The generated kernel tables --------------===//
/// \file
/// Declares the kernels nejit-blockgen compiled (one object file per Isa)
/// and lists them, sorted by key, from the table fragments it wrote. Built
/// a second time with NEJIT_NO_BLOCK_KERNELS, empty, for the generator.
//===----------------------------------------------------------------------===//
#include "Interp/BlockKernels.h"

#include <algorithm>
#include <iterator>

#ifdef NEJIT_NO_BLOCK_KERNELS
#define NEJIT_TABLE_avx512 "Interp/gen/NoBlockKernels.inc"
#define NEJIT_TABLE_avx2 "Interp/gen/NoBlockKernels.inc"
#define NEJIT_TABLE_sse41 "Interp/gen/NoBlockKernels.inc"
#else
#define NEJIT_TABLE_avx512 "BlockKernels-avx512.inc"
#define NEJIT_TABLE_avx2 "BlockKernels-avx2.inc"
#define NEJIT_TABLE_sse41 "BlockKernels-sse41.inc"
#endif

#define NEJIT_BLOCK_REQUIRES(Features)
#define NEJIT_BLOCK_KERNEL(Key, Symbol)                                        \
  __attribute__((visibility("hidden"))) void Symbol(int64_t, char *const *,    \
                                                    const int64_t *);
extern "C" {
#include NEJIT_TABLE_avx2
#include NEJIT_TABLE_avx512
#include NEJIT_TABLE_sse41
}
#undef NEJIT_BLOCK_KERNEL
#undef NEJIT_BLOCK_REQUIRES

namespace nejit::interp {

namespace {
// A zero-length array is not C++: each table starts with a sentinel whose
// key sorts first and is never asked for.
#define NEJIT_BLOCK_REQUIRES(Features)
#define NEJIT_BLOCK_KERNEL(Key, Symbol) {Key, &Symbol},
const BlockKernelEntry Avx512[] = {
    {0, nullptr},
#include NEJIT_TABLE_avx512
};
const BlockKernelEntry Avx2[] = {
    {0, nullptr},
#include NEJIT_TABLE_avx2
};
const BlockKernelEntry Sse41[] = {
    {0, nullptr},
#include NEJIT_TABLE_sse41
};
#undef NEJIT_BLOCK_KERNEL
#undef NEJIT_BLOCK_REQUIRES

#define NEJIT_BLOCK_REQUIRES(Features) Features
#define NEJIT_BLOCK_KERNEL(Key, Symbol)
const char *const Requires[NumIsas] = {
    "" // avx512
#include NEJIT_TABLE_avx512
    ,
    "" // avx2
#include NEJIT_TABLE_avx2
    ,
    "" // sse41
#include NEJIT_TABLE_sse41
};
#undef NEJIT_BLOCK_KERNEL
#undef NEJIT_BLOCK_REQUIRES
} // namespace

const BlockKernelTable &blockKernels(Isa I) {
  static const BlockKernelTable Tables[NumIsas] = {
      {Avx512 + 1, std::size(Avx512) - 1, Requires[0]},
      {Avx2 + 1, std::size(Avx2) - 1, Requires[1]},
      {Sse41 + 1, std::size(Sse41) - 1, Requires[2]},
  };
  return Tables[(int)I];
}

static BlockFn find(const BlockKernelTable &T, uint64_t Key) {
  const BlockKernelEntry *End = T.Entries + T.Size;
  const BlockKernelEntry *It = std::lower_bound(
      T.Entries, End, Key,
      [](const BlockKernelEntry &E, uint64_t K) { return E.Key < K; });
  return It != End && It->Key == Key ? It->Fn : nullptr;
}

BlockFn findBlockKernel(Isa I, ir::Opcode Op, DType Result, unsigned A0,
                        unsigned A1, unsigned A2, Variant V, unsigned Width,
                        AccClass Acc) {
  const BlockKernelTable &T = blockKernels(I);
  if (BlockFn F = find(T, blockKey(Op, Result, A0, A1, A2, V, Width, Acc)))
    return F;
  if (BlockFn F =
          find(T, blockKey(Op, Result, A0, A1, A2, V, Width, AccClass::Any)))
    return F;
  return find(T, blockKey(Op, Result, A0, A1, A2, V, AnyWidth, AccClass::Any));
}

} // namespace nejit::interp

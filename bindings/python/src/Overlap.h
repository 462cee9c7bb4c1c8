//===- Overlap.h - Whether out= may share memory with an input --*- C++ -*-===//
/// \file
/// Declares the memory-overlap test between `out` and the inputs of a run:
/// numpy's may_share_memory with its cheap exact cases, and the in-place
/// case an elementwise run handles without a temporary.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_OVERLAP_H
#define NEJIT_BINDINGS_PYTHON_OVERLAP_H

#include "PythonApi.h"

#include <vector>

namespace nejit_py {

/// False when A and B provably share no byte: their byte ranges are
/// disjoint, or every element of both starts at an address whose residue
/// modulo the gcd of their strides keeps it clear of the other's elements
/// (a[::2] and a[1::2], z.real and z.imag). True otherwise (they may).
bool mayShareMemory(PyArrayObject *A, PyArrayObject *B);

/// Whether the kernel may write Out directly while it reads Inputs. An
/// input that may share memory with Out forces a temporary, unless the run
/// is elementwise and the input is Out as the run sees it: the same first
/// byte, item size and byte stride along every dimension of extent > 1 of
/// the iteration space (ND, Shape; Out spans all of it) — the kernel reads
/// each position before it writes it, which is what numpy's ufuncs allow.
bool canWriteInPlace(PyArrayObject *Out,
                     const std::vector<PyArrayObject *> &Inputs,
                     bool Elementwise, int ND, const npy_intp *Shape);

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_OVERLAP_H

//===- JIT/DiskCache.h - On-disk cache of compiled objects -----*- C++ -*-===//
/// \file
/// Relocatable objects of compiled kernels, one file per full cache key, so
/// that a new process skips LLVM entirely for kernels seen before. Every
/// failure here (missing, unreadable, corrupt, read-only or untrusted
/// directory, an entry that is not a regular file) degrades to "not cached":
/// the disk cache can make compiles faster, never fail or hang them.
///
/// Trust model: a cache file is machine code this process will execute, and
/// its checksum only detects accidents. What keeps other users' code out is
/// ownership: the directory must be ours and writable by no one else (else
/// it is refused with one warning), and an entry must be a regular file we
/// own, writable by no one else, of bounded size, opened without following a
/// symbolic link. Whoever can write as our user can run code as us anyway.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_JIT_DISKCACHE_H
#define NEJIT_JIT_DISKCACHE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace nejit::jit {

/// A file is: Header, then KeyBytes bytes of the full key text, then
/// PayloadBytes bytes of the object. Checksum is xxh3_64 over key and payload.
struct DiskCacheHeader {
  char Magic[8];
  uint32_t FormatVersion;
  uint32_t KeyBytes;
  uint64_t PayloadBytes;
  uint64_t Checksum;
};
static_assert(sizeof(DiskCacheHeader) == 32, "the header is a file format");

/// Bumped whenever the header or the meaning of the payload changes.
constexpr uint32_t DiskCacheFormatVersion = 1;

/// The largest cache file read or written (header, key and object). Kernel
/// objects are a few KiB; the bound keeps a hostile or damaged entry from
/// making a load allocate without limit.
constexpr uint64_t DiskCacheMaxEntryBytes = 64ull << 20;

class DiskCache {
public:
  /// Reads NEJIT_CACHE, NEJIT_CACHE_DIR, XDG_CACHE_HOME, HOME and
  /// NEJIT_CACHE_MAX_BYTES.
  DiskCache();

  /// Replaces the directory (empty disables the cache) and forgets what was
  /// learned about the old one (its size, that it was not writable).
  void setDirectory(std::string Dir);
  void setMaxBytes(uint64_t Bytes);
  /// The current directory; empty when disabled.
  std::string directory() const;

  /// The hex SHA-256 of FullKey: the file name (without extension).
  static std::string hashKey(llvm::StringRef FullKey);
  /// Path of the file for a key hash in the current directory ("" if off).
  std::string pathFor(llvm::StringRef Hash) const;

  /// The cached object for FullKey, or null if absent, unreadable, corrupt,
  /// untrusted (see the file comment), or written for another key with the
  /// same hash. Never blocks on a FIFO or reads past DiskCacheMaxEntryBytes.
  std::unique_ptr<llvm::MemoryBuffer> load(llvm::StringRef Hash,
                                           llvm::StringRef FullKey);
  /// Writes the object atomically (temp file + rename), creating the
  /// directory (mode 0700) if needed; then trims the directory to its size
  /// bound if needed. Silent on failure; a failure of the directory (not
  /// writable, disk full) stops later writes, a failure of this one entry
  /// (say, a directory squats on its name) does not.
  void store(llvm::StringRef Hash, llvm::StringRef FullKey,
             llvm::StringRef Object);

  /// Deletes the oldest cache files (by modification time) until the
  /// directory holds at most TargetBytes of them. Returns the bytes kept.
  uint64_t trim(uint64_t TargetBytes);

  /// Whether the directory was refused as untrusted (and the warning shown).
  bool refused() const { return Warned; }

  /// fork() support: the parent takes every lock before forking and releases
  /// it after, in both processes, so that the child never inherits a lock
  /// held by a thread that does not exist there.
  void lockForFork();
  void unlockAfterFork();

private:
  /// Opens Dir if it is a directory this user owns and no one else may write
  /// (creating it with mode 0700 if Create and it is missing); -1 otherwise,
  /// after warning once if it exists but is not trusted.
  int openDirectory(const std::string &D, bool Create);
  /// Prints the one warning about an untrusted directory.
  void warnUntrusted(const std::string &D, const char *Why);
  uint64_t trimLocked(int DirFD, uint64_t TargetBytes);

  /// Guards Dir and MaxBytes; held only to copy them.
  mutable std::mutex ConfigMutex;
  /// Serializes directory scans; a disk hit never waits for one.
  std::mutex TrimMutex;
  std::string Dir;
  uint64_t MaxBytes = 512ull << 20;
  /// Bytes of cache files in Dir as far as this process knows; ~0 until the
  /// directory was scanned once (lazily, on the first store).
  std::atomic<uint64_t> KnownBytes{~0ull};
  /// Cleared after a failed write so that a read-only directory costs one
  /// failed attempt, not one per compile.
  std::atomic<bool> Writable{true};
  /// Set once the refusal of Dir was reported, so that it is reported once.
  std::atomic<bool> Warned{false};
};

} // namespace nejit::jit

#endif // NEJIT_JIT_DISKCACHE_H

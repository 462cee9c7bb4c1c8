//===- JIT/DiskCache.cpp - On-disk cache of compiled objects --------------===//
/// \file
/// See DiskCache.h. Concurrency with other processes relies on rename() being
/// atomic within one directory: a reader sees either the old complete file or
/// the new complete file, and the checksum catches anything else (a file
/// truncated by a full disk, a bit flip). Every file operation is relative to
/// a descriptor of the directory that passed the trust check, so the check
/// and the use concern the same directory even if its path is swapped.
//===----------------------------------------------------------------------===//
#include "JIT/DiskCache.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>
#include <vector>

using namespace llvm;

namespace nejit::jit {

static constexpr char Magic[8] = {'N', 'E', 'J', 'I', 'T', 'O', 'B', 'J'};
static constexpr StringRef Extension = ".nejitobj";
/// Temp files older than this were left by a writer that died.
static constexpr auto StaleTempAge = std::chrono::minutes(10);

static std::string envString(const char *Name) {
  const char *V = std::getenv(Name);
  return V ? std::string(V) : std::string();
}

static std::string defaultDirectory() {
  if (envString("NEJIT_CACHE") == "0")
    return {};
  std::string Dir = envString("NEJIT_CACHE_DIR");
  if (!Dir.empty())
    return Dir;
  SmallString<256> Path;
  std::string Xdg = envString("XDG_CACHE_HOME");
  std::string Home = envString("HOME");
  if (!Xdg.empty())
    sys::path::append(Path, Xdg, "nejit");
  else if (!Home.empty())
    sys::path::append(Path, Home, ".cache", "nejit");
  return std::string(Path);
}

DiskCache::DiskCache() : Dir(defaultDirectory()) {
  uint64_t Bytes = 0;
  std::string Max = envString("NEJIT_CACHE_MAX_BYTES");
  if (!Max.empty() && !StringRef(Max).getAsInteger(10, Bytes))
    MaxBytes = Bytes;
}

void DiskCache::setDirectory(std::string NewDir) {
  std::lock_guard<std::mutex> Lock(ConfigMutex);
  Dir = std::move(NewDir);
  KnownBytes = ~0ull;
  Writable = true;
  Warned = false;
}

void DiskCache::setMaxBytes(uint64_t Bytes) {
  std::lock_guard<std::mutex> Lock(ConfigMutex);
  MaxBytes = Bytes;
}

std::string DiskCache::directory() const {
  std::lock_guard<std::mutex> Lock(ConfigMutex);
  return Dir;
}

std::string DiskCache::hashKey(StringRef FullKey) {
  std::array<uint8_t, 32> Digest = SHA256::hash(arrayRefFromStringRef(FullKey));
  return toHex(Digest, /*LowerCase=*/true);
}

std::string DiskCache::pathFor(StringRef Hash) const {
  std::string D = directory();
  if (D.empty())
    return {};
  SmallString<256> Path(D);
  sys::path::append(Path, Hash + Extension);
  return std::string(Path);
}

static uint64_t checksum(StringRef Key, StringRef Payload) {
  // One pass over a concatenation would need a copy; combining two hashes
  // is as good at catching corruption.
  return xxh3_64bits(Key) * 0x9E3779B97F4A7C15ull ^ xxh3_64bits(Payload);
}

/// Retries a system call that was interrupted by a signal.
template <typename Fn> static auto retryEINTR(Fn F) {
  decltype(F()) R;
  do
    R = F();
  while (R == -1 && errno == EINTR);
  return R;
}

/// Reads exactly N bytes at offset Off; false on error or early end of file.
static bool readExactly(int FD, char *Buf, uint64_t N, uint64_t Off) {
  while (N) {
    ssize_t Got = retryEINTR([&] { return ::pread(FD, Buf, N, off_t(Off)); });
    if (Got <= 0)
      return false;
    Buf += Got;
    Off += uint64_t(Got);
    N -= uint64_t(Got);
  }
  return true;
}

static bool writeAll(int FD, const char *Buf, uint64_t N) {
  while (N) {
    ssize_t Put = retryEINTR([&] { return ::write(FD, Buf, N); });
    if (Put <= 0)
      return false;
    Buf += Put;
    N -= uint64_t(Put);
  }
  return true;
}

/// Mode bits that let someone other than the owner replace or modify a file.
static constexpr mode_t ForeignWrite = S_IWGRP | S_IWOTH;

void DiskCache::warnUntrusted(const std::string &D, const char *Why) {
  if (Warned.exchange(true))
    return;
  errs() << "nejit: warning: not using the disk cache directory '" << D
         << "': " << Why
         << "; cached kernels are machine code, so nejit only uses a "
            "directory that only you can write (chmod 700 it, or choose "
            "another with NEJIT_CACHE_DIR; NEJIT_CACHE=0 turns the disk "
            "cache off)\n";
}

int DiskCache::openDirectory(const std::string &D, bool Create) {
  auto Open = [&] {
    return retryEINTR(
        [&] { return ::open(D.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
  };
  int FD = Open();
  if (FD < 0 && errno == ENOENT && Create) {
    // Every directory we create is private, parents included (the XDG
    // specification asks the same of ~/.cache).
    if (sys::fs::create_directories(D, /*IgnoreExisting=*/true,
                                    sys::fs::perms::owner_all))
      return -1;
    FD = Open();
  }
  if (FD < 0)
    return -1; // missing, not a directory, not accessible: simply no cache
  struct stat St;
  const char *Why = nullptr;
  if (::fstat(FD, &St) != 0)
    Why = "it cannot be examined";
  else if (St.st_uid != ::geteuid())
    Why = "it is owned by another user";
  else if (St.st_mode & ForeignWrite)
    Why = "it is writable by group or others";
  if (!Why)
    return FD;
  ::close(FD);
  warnUntrusted(D, Why);
  return -1;
}

std::unique_ptr<MemoryBuffer> DiskCache::load(StringRef Hash,
                                              StringRef FullKey) {
  std::string D = directory();
  if (D.empty())
    return nullptr;
  int DirFD = openDirectory(D, /*Create=*/false);
  if (DirFD < 0)
    return nullptr;
  std::string Name = (Hash + Extension).str();
  // O_NOFOLLOW: a symbolic link is refused, whatever it points to.
  // O_NONBLOCK: opening a FIFO does not wait for a writer (it is then
  // rejected as not a regular file); no effect on regular files.
  int FD = retryEINTR([&] {
    return ::openat(DirFD, Name.c_str(),
                    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  });
  ::close(DirFD);
  if (FD < 0)
    return nullptr;
  auto CloseFD = llvm::make_scope_exit([FD] { ::close(FD); });

  struct stat St;
  DiskCacheHeader H;
  if (::fstat(FD, &St) != 0 || !S_ISREG(St.st_mode) ||
      St.st_uid != ::geteuid() || (St.st_mode & ForeignWrite) ||
      uint64_t(St.st_size) < sizeof(H) ||
      uint64_t(St.st_size) > DiskCacheMaxEntryBytes)
    return nullptr;
  uint64_t Size = uint64_t(St.st_size);
  if (!readExactly(FD, reinterpret_cast<char *>(&H), sizeof(H), 0) ||
      std::memcmp(H.Magic, Magic, sizeof(Magic)) != 0 ||
      H.FormatVersion != DiskCacheFormatVersion ||
      H.KeyBytes != FullKey.size() || H.PayloadBytes > Size ||
      Size != sizeof(H) + uint64_t(H.KeyBytes) + H.PayloadBytes)
    return nullptr;
  std::string Key(H.KeyBytes, '\0');
  if (!readExactly(FD, Key.data(), Key.size(), sizeof(H)) || Key != FullKey)
    return nullptr;
  // The payload goes straight into the buffer the object layer will own
  // (aligned, as it needs), not through a copy of the whole file.
  std::unique_ptr<WritableMemoryBuffer> Payload =
      WritableMemoryBuffer::getNewUninitMemBuffer(H.PayloadBytes,
                                                  pathFor(Hash));
  if (!Payload ||
      !readExactly(FD, Payload->getBufferStart(), H.PayloadBytes,
                   sizeof(H) + H.KeyBytes) ||
      checksum(Key, StringRef(Payload->getBufferStart(),
                              Payload->getBufferSize())) != H.Checksum)
    return nullptr;
  // Refresh the modification time so that trimming evicts the least
  // recently used files, not the oldest written.
  ::futimens(FD, nullptr);
  return Payload;
}

/// Errors of rename() that concern the target name only (a directory, say,
/// squats on it): the entry is skipped, the cache stays on.
static bool isEntryError(int Errno) {
  return Errno == EISDIR || Errno == ENOTEMPTY || Errno == EEXIST ||
         Errno == EBUSY || Errno == ENOTDIR;
}

void DiskCache::store(StringRef Hash, StringRef FullKey, StringRef Object) {
  if (!Writable)
    return;
  std::string D;
  uint64_t Max;
  {
    std::lock_guard<std::mutex> Lock(ConfigMutex);
    D = Dir;
    Max = MaxBytes;
  }
  uint64_t FileBytes = sizeof(DiskCacheHeader) + FullKey.size() + Object.size();
  if (D.empty() || FileBytes > DiskCacheMaxEntryBytes ||
      FullKey.size() > UINT32_MAX)
    return;
  int DirFD = openDirectory(D, /*Create=*/true);
  if (DirFD < 0) {
    // Missing and not creatable, or refused: either way there is nothing to
    // retry for the rest of the process (until setDirectory).
    Writable = false;
    return;
  }
  auto CloseDir = llvm::make_scope_exit([DirFD] { ::close(DirFD); });

  // A unique temp name; O_EXCL makes a clash (another writer) a retry.
  static std::atomic<uint64_t> Counter{0};
  std::string TmpName;
  int FD = -1;
  for (int Attempt = 0; Attempt < 16 && FD < 0; ++Attempt) {
    uint64_t Salt =
        uint64_t(::getpid()) * 0x9E3779B97F4A7C15ull ^
        uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        (Counter++ << 40);
    TmpName = (Hash + "." + utohexstr(Salt, /*LowerCase=*/true) + ".tmp").str();
    FD = retryEINTR([&] {
      return ::openat(DirFD, TmpName.c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      0600);
    });
    if (FD < 0 && errno != EEXIST)
      break;
  }
  if (FD < 0) {
    Writable = false;
    return;
  }
  DiskCacheHeader H;
  std::memcpy(H.Magic, Magic, sizeof(Magic));
  H.FormatVersion = DiskCacheFormatVersion;
  H.KeyBytes = uint32_t(FullKey.size());
  H.PayloadBytes = Object.size();
  H.Checksum = checksum(FullKey, Object);
  bool Written = writeAll(FD, reinterpret_cast<const char *>(&H), sizeof(H)) &&
                 writeAll(FD, FullKey.data(), FullKey.size()) &&
                 writeAll(FD, Object.data(), Object.size());
  Written = (::close(FD) == 0) && Written;
  if (!Written) {
    ::unlinkat(DirFD, TmpName.c_str(), 0);
    Writable = false; // a full disk or quota: stop trying
    return;
  }
  std::string Name = (Hash + Extension).str();
  if (::renameat(DirFD, TmpName.c_str(), DirFD, Name.c_str()) != 0) {
    int Errno = errno;
    ::unlinkat(DirFD, TmpName.c_str(), 0);
    if (!isEntryError(Errno))
      Writable = false;
    return;
  }
  uint64_t Known = KnownBytes.load();
  // The first store scans the directory once to learn its size; later ones
  // only add (an overwrite counts twice, which merely trims a little early).
  if (Known == ~0ull)
    Known = trim(Max);
  else
    Known = KnownBytes += FileBytes;
  if (Known > Max)
    trim(Max - Max / 4);
}

uint64_t DiskCache::trim(uint64_t TargetBytes) {
  std::string D = directory();
  if (D.empty())
    return 0;
  std::unique_lock<std::mutex> Lock(TrimMutex, std::try_to_lock);
  if (!Lock.owns_lock())
    return KnownBytes == ~0ull ? 0 : KnownBytes.load(); // someone else trims
  int DirFD = openDirectory(D, /*Create=*/false);
  if (DirFD < 0)
    return 0;
  uint64_t Total = trimLocked(DirFD, TargetBytes);
  ::close(DirFD);
  return Total;
}

uint64_t DiskCache::trimLocked(int DirFD, uint64_t TargetBytes) {
  struct FileInfo {
    struct timespec MTime;
    uint64_t Bytes;
    std::string Name;
  };
  std::vector<FileInfo> Files;
  uint64_t Total = 0;
  // The directory stream gets its own descriptor: closedir() closes it.
  int ListFD = ::fcntl(DirFD, F_DUPFD_CLOEXEC, 0);
  DIR *List = ListFD < 0 ? nullptr : ::fdopendir(ListFD);
  if (!List) {
    if (ListFD >= 0)
      ::close(ListFD);
    return 0;
  }
  struct timespec Now;
  ::clock_gettime(CLOCK_REALTIME, &Now);
  auto StaleAge =
      std::chrono::duration_cast<std::chrono::seconds>(StaleTempAge);
  while (struct dirent *Entry = ::readdir(List)) {
    StringRef Name(Entry->d_name);
    bool IsTemp = Name.ends_with(".tmp");
    if (!Name.ends_with(Extension) && !IsTemp)
      continue;
    // Not following links: a symbolic link's target is nobody's cache file
    // here (and unlinkat below removes the link, never its target).
    struct stat St;
    if (::fstatat(DirFD, Entry->d_name, &St, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(St.st_mode))
      continue;
    if (IsTemp) {
      if (Now.tv_sec - St.st_mtim.tv_sec > StaleAge.count())
        ::unlinkat(DirFD, Entry->d_name, 0);
      continue;
    }
    Files.push_back({St.st_mtim, uint64_t(St.st_size), Name.str()});
    Total += uint64_t(St.st_size);
  }
  ::closedir(List);
  if (Total > TargetBytes) {
    std::sort(Files.begin(), Files.end(),
              [](const FileInfo &A, const FileInfo &B) {
                return std::tie(A.MTime.tv_sec, A.MTime.tv_nsec) <
                       std::tie(B.MTime.tv_sec, B.MTime.tv_nsec);
              });
    for (const FileInfo &F : Files) {
      if (Total <= TargetBytes)
        break;
      // Another process may have deleted it already; either way it is gone.
      ::unlinkat(DirFD, F.Name.c_str(), 0);
      Total -= F.Bytes;
    }
  }
  KnownBytes = Total;
  return Total;
}

void DiskCache::lockForFork() {
  ConfigMutex.lock();
  TrimMutex.lock();
}

void DiskCache::unlockAfterFork() {
  TrimMutex.unlock();
  ConfigMutex.unlock();
}

} // namespace nejit::jit

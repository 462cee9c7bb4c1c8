//===- unittests/JIT/DiskCacheTrustTest.cpp - Hostile cache directories ---===//
/// \file
/// The on-disk cache against a file system that is not on its side: FIFOs,
/// symbolic links to devices and to valid entries, directories squatting on
/// entry names, oversized entries, files and directories of other users or
/// writable by them. Each case runs the loader in a child process bounded in
/// time and memory where a broken loader would hang or allocate without end,
/// so that a regression fails the test instead of hanging the suite.
//===----------------------------------------------------------------------===//
#include "JIT/DiskCache.h"

#include "llvm/Support/xxhash.h"

#include "gtest/gtest.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <signal.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace nejit::jit;

namespace {

constexpr const char *Key = ";; full key of a test kernel\nadd f8 f8\n";
constexpr const char *Object = "not really an ELF object, but the loader "
                               "does not look inside the payload";

std::string hashOf(const std::string &K) { return DiskCache::hashKey(K); }

mode_t modeOf(const std::string &Path) {
  struct stat St;
  return ::lstat(Path.c_str(), &St) == 0 ? St.st_mode & 07777 : mode_t(~0u);
}

/// What a bounded child run ended as.
struct ChildResult {
  bool Finished = false; ///< exited by itself within the bounds
  int ExitCode = -1;     ///< if Finished
  std::string Why;       ///< if not: what was exceeded, or the signal
};

/// Resident set size of Pid in bytes (0 if unknown).
uint64_t rssBytes(pid_t Pid) {
  std::ifstream Statm("/proc/" + std::to_string(Pid) + "/statm");
  uint64_t Pages = 0, Resident = 0;
  Statm >> Pages >> Resident;
  return Resident * uint64_t(::sysconf(_SC_PAGESIZE));
}

/// Runs Fn in a forked child whose exit code is Fn's result; kills it when
/// it runs longer than Seconds or its resident memory grows by more than
/// MaxGrowth bytes (a loader reading /dev/zero grows by GB/s).
ChildResult runBounded(const std::function<int()> &Fn, double Seconds = 20,
                       uint64_t MaxGrowth = 512ull << 20) {
  std::fflush(nullptr);
  uint64_t Base = rssBytes(::getpid());
  pid_t Pid = ::fork();
  if (Pid < 0)
    return {false, -1, "fork failed"};
  if (Pid == 0)
    ::_exit(Fn());
  auto Start = std::chrono::steady_clock::now();
  ChildResult R;
  for (;;) {
    int Status = 0;
    pid_t Done = ::waitpid(Pid, &Status, WNOHANG);
    if (Done == Pid) {
      if (WIFEXITED(Status)) {
        R.Finished = true;
        R.ExitCode = WEXITSTATUS(Status);
      } else {
        R.Why = "killed by signal " + std::to_string(WTERMSIG(Status));
      }
      return R;
    }
    double Elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - Start)
            .count();
    uint64_t Rss = rssBytes(Pid);
    if (Elapsed > Seconds || Rss > Base + MaxGrowth) {
      ::kill(Pid, SIGKILL);
      ::waitpid(Pid, &Status, 0);
      R.Why = Elapsed > Seconds
                  ? "still running after " + std::to_string(Seconds) + " s"
                  : "resident memory grew past " +
                        std::to_string(MaxGrowth >> 20) + " MiB";
      return R;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

/// Whether the loader, in a bounded child, returns null for Key.
void expectBoundedMiss(DiskCache &C, const std::string &K = Key) {
  ChildResult R = runBounded([&] { return C.load(hashOf(K), K) ? 1 : 0; });
  ASSERT_TRUE(R.Finished) << "the loader did not return: " << R.Why;
  EXPECT_EQ(R.ExitCode, 0) << "the loader accepted the entry";
}

class DiskCacheTrust : public ::testing::Test {
protected:
  void SetUp() override {
    char Template[] = "/tmp/nejit-trust-XXXXXX";
    ASSERT_NE(::mkdtemp(Template), nullptr);
    Root = Template; // mkdtemp makes it 0700
    Dir = Root + "/cache";
    Cache.setDirectory(Dir);
  }
  void TearDown() override {
    std::string Cmd =
        "chmod -R u+rwx '" + Root + "' 2>/dev/null; rm -rf '" + Root + "'";
    EXPECT_EQ(std::system(Cmd.c_str()), 0);
  }
  /// Stores the test object under Key and returns its path.
  std::string storeEntry(const std::string &K = Key) {
    Cache.store(hashOf(K), K, Object);
    std::string Path = Cache.pathFor(hashOf(K));
    EXPECT_EQ(::access(Path.c_str(), F_OK), 0) << "store wrote nothing";
    return Path;
  }
  bool loads(const std::string &K = Key) {
    std::unique_ptr<llvm::MemoryBuffer> B = Cache.load(hashOf(K), K);
    return B && B->getBuffer() == Object;
  }

  std::string Root, Dir;
  DiskCache Cache;
};

TEST_F(DiskCacheTrust, RoundTripAndPrivateModes) {
  std::string Path = storeEntry();
  EXPECT_TRUE(loads());
  EXPECT_EQ(modeOf(Dir), 0700u) << "the directory nejit creates is private";
  EXPECT_EQ(modeOf(Path), 0600u);
  EXPECT_FALSE(Cache.refused());
}

TEST_F(DiskCacheTrust, CreatedParentsArePrivateToo) {
  Cache.setDirectory(Root + "/a/b/cache");
  storeEntry();
  EXPECT_EQ(modeOf(Root + "/a"), 0700u);
  EXPECT_EQ(modeOf(Root + "/a/b"), 0700u);
  EXPECT_EQ(modeOf(Root + "/a/b/cache"), 0700u);
  EXPECT_TRUE(loads());
}

TEST_F(DiskCacheTrust, FifoEntryDoesNotBlock) {
  std::string Path = storeEntry();
  ASSERT_EQ(::unlink(Path.c_str()), 0);
  ASSERT_EQ(::mkfifo(Path.c_str(), 0600), 0);
  expectBoundedMiss(Cache);
  // The next store replaces the FIFO with a good file.
  storeEntry();
  EXPECT_TRUE(loads());
}

TEST_F(DiskCacheTrust, SymlinkToDevZeroIsNotRead) {
  std::string Path = storeEntry();
  ASSERT_EQ(::unlink(Path.c_str()), 0);
  ASSERT_EQ(::symlink("/dev/zero", Path.c_str()), 0);
  expectBoundedMiss(Cache);
}

TEST_F(DiskCacheTrust, SymlinkToValidEntryIsNotFollowed) {
  // A complete, correct entry, reached through a link: whoever placed the
  // link chose the code, so it is refused although its checksum is right.
  std::string Path = storeEntry();
  std::string Elsewhere = Root + "/elsewhere.nejitobj";
  ASSERT_EQ(::rename(Path.c_str(), Elsewhere.c_str()), 0);
  ASSERT_EQ(::symlink(Elsewhere.c_str(), Path.c_str()), 0);
  EXPECT_FALSE(loads());
}

TEST_F(DiskCacheTrust, DirectoryOnAnEntryNameSkipsOnlyThatEntry) {
  std::string Other = std::string(Key) + "another kernel\n";
  Cache.store(hashOf(Other), Other, Object); // creates the directory
  std::string Path = Cache.pathFor(hashOf(Key));
  ASSERT_EQ(::mkdir(Path.c_str(), 0700), 0);
  expectBoundedMiss(Cache);
  Cache.store(hashOf(Key), Key, Object); // cannot replace a directory
  struct stat St;
  ASSERT_EQ(::stat(Path.c_str(), &St), 0);
  EXPECT_TRUE(S_ISDIR(St.st_mode));
  // ... but the cache is still on for every other key.
  std::string Third = std::string(Key) + "a third kernel\n";
  Cache.store(hashOf(Third), Third, Object);
  EXPECT_TRUE(loads(Third)) << "one squatted name switched the cache off";
}

TEST_F(DiskCacheTrust, OversizedEntryIsNotRead) {
  // A well-formed entry (right sizes, right checksum) just over the bound,
  // its payload a hole of zeros so the test writes no real data.
  storeEntry(); // creates the directory
  uint64_t Payload = DiskCacheMaxEntryBytes;
  std::string K = Key;
  std::string Zeros(Payload, '\0');
  DiskCacheHeader H;
  std::memcpy(H.Magic, "NEJITOBJ", 8);
  H.FormatVersion = DiskCacheFormatVersion;
  H.KeyBytes = uint32_t(K.size());
  H.PayloadBytes = Payload;
  // The checksum of the file format (lib/JIT/README.md).
  H.Checksum = llvm::xxh3_64bits(K) * 0x9E3779B97F4A7C15ull ^
               llvm::xxh3_64bits(llvm::StringRef(Zeros));
  Zeros.clear();
  Zeros.shrink_to_fit();
  std::string Path = Cache.pathFor(hashOf(K));
  int FD = ::open(Path.c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(FD, 0);
  ASSERT_EQ(::write(FD, &H, sizeof(H)), ssize_t(sizeof(H)));
  ASSERT_EQ(::write(FD, K.data(), K.size()), ssize_t(K.size()));
  ASSERT_EQ(::ftruncate(FD, off_t(sizeof(H) + K.size() + Payload)), 0);
  ::close(FD);
  EXPECT_EQ(Cache.load(hashOf(K), K), nullptr);
}

TEST_F(DiskCacheTrust, EntryWritableByOthersIsRefused) {
  std::string Path = storeEntry();
  ASSERT_EQ(::chmod(Path.c_str(), 0620), 0);
  EXPECT_FALSE(loads());
  ASSERT_EQ(::chmod(Path.c_str(), 0602), 0);
  EXPECT_FALSE(loads());
  ASSERT_EQ(::chmod(Path.c_str(), 0644), 0); // readable by all is fine
  EXPECT_TRUE(loads());
}

TEST_F(DiskCacheTrust, EntryOfAnotherUserIsRefused) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root to give a file to another user";
  std::string Path = storeEntry();
  ASSERT_EQ(::chown(Path.c_str(), 65534, 65534), 0);
  EXPECT_FALSE(loads());
}

/// Runs Body with stderr captured and returns what it printed.
std::string stderrOf(const std::function<void()> &Body) {
  ::testing::internal::CaptureStderr();
  Body();
  return ::testing::internal::GetCapturedStderr();
}

size_t countOf(const std::string &Text, const std::string &Needle) {
  size_t N = 0;
  for (size_t P = Text.find(Needle); P != std::string::npos;
       P = Text.find(Needle, P + 1))
    ++N;
  return N;
}

TEST_F(DiskCacheTrust, WorldWritableDirectoryIsRefusedWithOneWarning) {
  storeEntry();
  ASSERT_EQ(::chmod(Dir.c_str(), 0777), 0);
  std::string Other = std::string(Key) + "never written\n";
  std::string Err = stderrOf([&] {
    EXPECT_FALSE(loads());
    EXPECT_FALSE(loads());
    Cache.store(hashOf(Other), Other, Object);
    EXPECT_FALSE(loads());
  });
  EXPECT_EQ(countOf(Err, "nejit: warning:"), 1u) << Err;
  EXPECT_NE(Err.find(Dir), std::string::npos) << Err;
  EXPECT_NE(Err.find("writable by group or others"), std::string::npos) << Err;
  EXPECT_TRUE(Cache.refused());
  EXPECT_NE(::access(Cache.pathFor(hashOf(Other)).c_str(), F_OK), 0)
      << "wrote into a refused directory";
  // Made private again, and configured again, it is used.
  ASSERT_EQ(::chmod(Dir.c_str(), 0700), 0);
  Cache.setDirectory(Dir);
  EXPECT_TRUE(loads());
}

TEST_F(DiskCacheTrust, GroupWritableDirectoryIsRefused) {
  storeEntry();
  ASSERT_EQ(::chmod(Dir.c_str(), 0770), 0);
  std::string Err = stderrOf([&] { EXPECT_FALSE(loads()); });
  EXPECT_EQ(countOf(Err, "nejit: warning:"), 1u) << Err;
}

TEST_F(DiskCacheTrust, DirectoryOfAnotherUserIsRefusedWithOneWarning) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root to give a directory to another user";
  storeEntry();
  ASSERT_EQ(::chown(Dir.c_str(), 65534, 65534), 0);
  std::string Err = stderrOf([&] {
    EXPECT_FALSE(loads());
    Cache.store(hashOf(Key), Key, Object);
    EXPECT_FALSE(loads());
  });
  EXPECT_EQ(countOf(Err, "nejit: warning:"), 1u) << Err;
  EXPECT_NE(Err.find("owned by another user"), std::string::npos) << Err;
}

TEST_F(DiskCacheTrust, TrimIgnoresSymlinksAndTheirTargets) {
  storeEntry();
  std::string Victim = Root + "/victim";
  { std::ofstream(Victim) << std::string(1 << 16, 'v'); }
  std::string Link = Dir + "/" + std::string(64, 'f') + ".nejitobj";
  ASSERT_EQ(::symlink(Victim.c_str(), Link.c_str()), 0);
  // Trimming to nothing deletes our files; a link is not ours to count.
  uint64_t Kept = Cache.trim(0);
  EXPECT_EQ(Kept, 0u);
  EXPECT_EQ(::access(Victim.c_str(), F_OK), 0) << "trim followed a link";
  EXPECT_FALSE(loads());
}

} // namespace

// File I/O for keys, certificates and other records that must never be half-written.
#pragma once

#include <filesystem>
#include <string>

#include "common/bytes.h"
#include "common/result.h"

namespace sc {

enum class FileMode : unsigned {
    private_0600 = 0600,  // private keys, anything secret
    public_0644 = 0644,   // certificates, CRLs, indexes
};

enum class Replace { no, yes };

// Reads a whole file; refuses files larger than max_bytes (a bound on everything we read).
Result<std::string> read_file(const std::filesystem::path& path,
                              std::size_t max_bytes = 16 * 1024 * 1024);

// Writes to a temporary file beside `path` (created with `mode`, never wider), fsyncs it, and
// only commit() makes it visible under `path`. Destroyed uncommitted, the temporary is removed.
// Replace::no makes commit() fail if `path` exists, atomically (link(2), not a check-then-act).
class AtomicFile {
  public:
    static Result<AtomicFile> create(std::filesystem::path path, FileMode mode);
    AtomicFile(AtomicFile&& other) noexcept;
    AtomicFile& operator=(AtomicFile&&) = delete;
    AtomicFile(const AtomicFile&) = delete;
    ~AtomicFile();

    Status write(ByteView data);
    Status commit(Replace replace);

  private:
    AtomicFile(std::filesystem::path path, std::filesystem::path temp, int fd);
    void discard() noexcept;

    std::filesystem::path path_;
    std::filesystem::path temp_;
    int fd_ = -1;
};

Status write_file_atomically(const std::filesystem::path& path, ByteView data, FileMode mode,
                             Replace replace);

// An exclusive advisory lock on `dir/.lock`, held for the object's lifetime, so two operators
// running the same tool on one directory cannot interleave their updates.
class DirectoryLock {
  public:
    static Result<DirectoryLock> acquire(const std::filesystem::path& dir);
    DirectoryLock(DirectoryLock&& other) noexcept;
    DirectoryLock& operator=(DirectoryLock&&) = delete;
    DirectoryLock(const DirectoryLock&) = delete;
    ~DirectoryLock();

  private:
    explicit DirectoryLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

// fsync of a directory: a new or renamed entry is durable only once its directory is synced.
Status fsync_directory(const std::filesystem::path& dir);

// Text of errno, for messages.
std::string errno_text(int err);

}  // namespace sc

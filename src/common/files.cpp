#include "common/files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

namespace sc {
namespace fs = std::filesystem;

std::string errno_text(int err) {
    return std::strerror(err);
}

Status fsync_directory(const fs::path& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return fail("cannot open directory " + dir.string() + ": " + errno_text(errno));
    }
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) {
        return fail("cannot sync directory " + dir.string() + ": " + errno_text(err));
    }
    return {};
}

Result<std::string> read_file(const fs::path& path, std::size_t max_bytes) {
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) {
        return fail("cannot read " + path.string() + ": " + ec.message());
    }
    if (size > max_bytes) {
        return fail("cannot read " + path.string() + ": larger than " + std::to_string(max_bytes) +
                    " bytes");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail("cannot open " + path.string() + ": " + errno_text(errno));
    }
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::uintmax_t>(in.gcount()) != size) {
        return fail("cannot read " + path.string() + ": file changed while reading");
    }
    return text;
}

namespace {

fs::path temp_name_for(const fs::path& path) {
    std::random_device rd;
    auto tag = std::to_string(rd()) + std::to_string(rd());
    return path.parent_path() / ("." + path.filename().string() + ".tmp-" + tag);
}

}  // namespace

AtomicFile::AtomicFile(fs::path path, fs::path temp, int fd)
    : path_(std::move(path)), temp_(std::move(temp)), fd_(fd) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)), temp_(std::move(other.temp_)), fd_(other.fd_) {
    other.fd_ = -1;
    other.temp_.clear();
}

AtomicFile::~AtomicFile() {
    discard();
}

void AtomicFile::discard() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (!temp_.empty()) {
        ::unlink(temp_.c_str());
        temp_.clear();
    }
}

Result<AtomicFile> AtomicFile::create(fs::path path, FileMode mode) {
    auto temp = temp_name_for(path);
    auto bits = static_cast<mode_t>(mode);
    // O_EXCL: never write through a file or symlink someone placed there first.
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, bits);
    if (fd < 0) {
        return fail("cannot create " + temp.string() + ": " + errno_text(errno));
    }
    // The umask may only narrow the mode; fchmod makes it exact (0644 stays readable).
    if (::fchmod(fd, bits) != 0) {
        int err = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        return fail("cannot set mode on " + temp.string() + ": " + errno_text(err));
    }
    return AtomicFile(std::move(path), std::move(temp), fd);
}

Status AtomicFile::write(ByteView data) {
    if (fd_ < 0) {
        return fail("write to " + path_.string() + " after it was closed");
    }
    const std::uint8_t* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd_, p, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("cannot write " + path_.string() + ": " + errno_text(errno));
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return {};
}

Status AtomicFile::commit(Replace replace) {
    if (fd_ < 0) {
        return fail("commit of " + path_.string() + " after it was closed");
    }
    if (::fsync(fd_) != 0) {
        return fail("cannot sync " + path_.string() + ": " + errno_text(errno));
    }
    ::close(fd_);
    fd_ = -1;
    if (replace == Replace::yes) {
        if (::rename(temp_.c_str(), path_.c_str()) != 0) {
            return fail("cannot rename into " + path_.string() + ": " + errno_text(errno));
        }
    } else {
        // link(2) fails with EEXIST if path_ exists: an atomic "create, never replace".
        if (::link(temp_.c_str(), path_.c_str()) != 0) {
            int err = errno;
            if (err == EEXIST) {
                return fail(path_.string() + " already exists; refusing to overwrite it");
            }
            return fail("cannot create " + path_.string() + ": " + errno_text(err));
        }
        ::unlink(temp_.c_str());
    }
    temp_.clear();
    return fsync_directory(path_.parent_path());
}

Status write_file_atomically(const fs::path& path, ByteView data, FileMode mode, Replace replace) {
    SC_TRY_ASSIGN(AtomicFile file, AtomicFile::create(path, mode));
    SC_TRY(file.write(data));
    return file.commit(replace);
}

Result<DirectoryLock> DirectoryLock::acquire(const fs::path& dir) {
    auto lock_path = dir / ".lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return fail("cannot open lock file " + lock_path.string() + ": " + errno_text(errno));
    }
    while (::flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int err = errno;
            ::close(fd);
            return fail("cannot lock " + lock_path.string() + ": " + errno_text(err));
        }
    }
    return DirectoryLock(fd);
}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) {
    other.fd_ = -1;
}

DirectoryLock::~DirectoryLock() {
    if (fd_ >= 0) {
        ::close(fd_);  // closing releases the flock
    }
}

}  // namespace sc

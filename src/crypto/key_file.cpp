#include "crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/files.h"

namespace sc::crypto {
namespace {

// Closes the descriptor on every path out of read_secret_file.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

}  // namespace

Result<SecretBytes> read_secret_file(const std::filesystem::path& path, std::size_t max_bytes) {
    const std::string name = path.string();
    Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
    if (file.fd < 0) {
        return fail("cannot open " + name + ": " + errno_text(errno));
    }
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) {
        return fail("cannot read " + name + ": " + errno_text(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return fail("cannot read " + name + ": not a regular file");
    }
    if (st.st_size < 0 || static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
        return fail("cannot read " + name + ": larger than " + std::to_string(max_bytes) +
                    " bytes");
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    SecretBytes bytes(size);
    auto out = bytes.reveal_mut(SecretAccess{});
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::read(file.fd, out.data() + done, size - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return fail("cannot read " + name + ": " + errno_text(errno));
        }
        if (n == 0) {
            return fail("cannot read " + name + ": file changed while reading");
        }
        done += static_cast<std::size_t>(n);
    }
    // One byte more would mean the file grew after fstat: refuse rather than cut a key short.
    std::uint8_t extra = 0;
    ssize_t more = ::read(file.fd, &extra, 1);
    secure_wipe(&extra, 1);
    if (more != 0) {
        return fail("cannot read " + name + ": file changed while reading");
    }
    return bytes;
}

Result<PrivateKey> load_private_key(const std::filesystem::path& path) {
    SC_TRY_ASSIGN(auto pem, read_secret_file(path));
    auto key = PrivateKey::from_pem(pem);
    if (!key) {
        return fail(path.string() + ": " + key.error().message);
    }
    return std::move(key).value();
}

}  // namespace sc::crypto

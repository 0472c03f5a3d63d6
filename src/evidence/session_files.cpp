#include "evidence/session_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/files.h"
#include "evidence/receipt_file.h"

namespace sc::evidence {
namespace fs = std::filesystem;

SessionFiles::SessionFiles(fs::path dir, SessionId session_id, int fd)
    : dir_(std::move(dir)), session_id_(std::move(session_id)), fd_(fd) {}

fs::path SessionFiles::file(std::string_view suffix) const {
    return dir_ / (session_id_.hex() + std::string(suffix));
}

Result<SessionFiles> SessionFiles::create(const fs::path& dir, const SessionId& session_id) {
    // A default SessionId is all zero: a caller that has no session yet, not a real handshake.
    if (session_id == SessionId{}) {
        return fail("cannot save a session without a session id");
    }
    auto path = dir / (session_id.hex() + ".transcript");
    // O_EXCL and O_NOFOLLOW: never append to a file or through a symlink that was there first.
    // O_APPEND: every write lands at the end, even if something else opened the file.
    int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int err = errno;
        if (err == EEXIST) {
            return fail("cannot create transcript " + path.string() + ": it already exists");
        }
        return fail("cannot create transcript " + path.string() + ": " + errno_text(err));
    }
    return SessionFiles(dir, session_id, fd);
}

SessionFiles::SessionFiles(SessionFiles&& other) noexcept
    : dir_(std::move(other.dir_)), session_id_(std::move(other.session_id_)), fd_(other.fd_) {
    other.fd_ = -1;
}

SessionFiles::~SessionFiles() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

Status SessionFiles::append(std::string_view text) {
    if (fd_ < 0) {
        return fail("append to " + transcript_path().string() + " after it was moved from");
    }
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(fd_, p, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("cannot append to transcript " + transcript_path().string() + ": " +
                        errno_text(errno));
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return {};
}

Status SessionFiles::save_receipts(const proto::msg::Receipt& own, const proto::msg::Receipt& peer,
                                   const SessionId& session_id, const pki::Certificate& own_leaf,
                                   const pki::Certificate& peer_leaf) {
    if (fd_ < 0) {
        return fail("save receipts for " + transcript_path().string() + " after it was moved from");
    }
    if (session_id != session_id_) {
        return fail("cannot save receipts of session " + session_id.hex() + " beside " +
                    transcript_path().string());
    }
    // The transcript reaches the disk before the receipts exist, so a crash never leaves a
    // receipt whose transcript is shorter than what it signs.
    if (::fsync(fd_) != 0) {
        return fail("cannot sync transcript " + transcript_path().string() + ": " +
                    errno_text(errno));
    }
    SC_TRY(fsync_directory(dir_));
    auto own_text = receipt_file_text(own, session_id_, own_leaf);
    auto peer_text = receipt_file_text(peer, session_id_, peer_leaf);
    SC_TRY(write_file_atomically(own_receipt_path(), as_bytes(own_text), FileMode::public_0644,
                                 Replace::no));
    SC_TRY(write_file_atomically(peer_receipt_path(), as_bytes(peer_text), FileMode::public_0644,
                                 Replace::no));
    return {};
}

}  // namespace sc::evidence

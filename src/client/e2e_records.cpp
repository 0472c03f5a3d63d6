#include "client/e2e_records.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "common/usernames.h"
#include "evidence/conversation_transcript.h"

namespace sc::client {

note::Protection protection_of(const e2e::MessageDetails& d) {
    return note::Protection{d.ciphertext_hex, d.ciphertext_bytes, d.ct_sha256,      d.signature_hex,
                            d.commitment_hex, d.sender_fp,        d.ratchet_key_fp, d.ratchet_n,
                            d.ratchet_pn,     d.initial};
}

std::vector<CopyTarget> copy_targets(const std::string& to, const proto::msg::DeviceList& theirs,
                                     const std::string& me, const proto::msg::DeviceList& ours,
                                     const std::string& own_fp) {
    std::vector<CopyTarget> out;
    std::set<std::string> seen{own_fp};
    auto add = [&](const std::string& user, const proto::msg::DeviceList& list) {
        for (const auto& d : list.devices) {
            if (seen.insert(d.device).second) {
                out.push_back({canonical_username(user), d.device, d.name});
            }
        }
    };
    add(to, theirs);
    add(me, ours);
    return out;
}

std::filesystem::path ConversationLog::file_of(const std::string& peer) const {
    return dir_ / (canonical_username(peer) + ".jsonl");
}

Status ConversationLog::append(const std::string& peer, const std::string& json_line,
                               std::uint64_t now_ms) const {
    if (!is_valid_username(peer)) {
        return fail("not a conversation: '" + peer + "'");
    }
    auto path = file_of(peer);
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return fail("cannot open " + path.string() + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        return fail("cannot read " + path.string() + ": " + std::strerror(err));
    }
    std::string line;
    if (st.st_size == 0) {  // one writer (the device's state lock): the header goes first
        line = evidence::conversation::header_line(me_, own_fp_, canonical_username(peer), now_ms) +
               "\n";
    }
    line += json_line + "\n";
    const char* data = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        auto n = ::write(fd, data, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int err = errno;
            ::close(fd);
            return fail("cannot write " + path.string() + ": " + std::strerror(err));
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        int err = errno;
        ::close(fd);
        return fail("cannot sync " + path.string() + ": " + std::strerror(err));
    }
    ::close(fd);
    return {};
}

std::string ConversationLog::warning_line(std::uint64_t ts, const note::Warning& w) {
    return evidence::conversation::warning_line(ts, w.code, w.user, w.device, w.old_fingerprint,
                                                w.fingerprint, w.message);
}

}  // namespace sc::client

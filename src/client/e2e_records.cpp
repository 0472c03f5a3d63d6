#include "client/e2e_records.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <set>

#include "common/usernames.h"

namespace sc::client {

using nlohmann::json;

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

void SentLedger::record(const std::string& mid_hex, const std::string& fp_hex, Entry entry) {
    auto key = mid_hex + "/" + fp_hex;
    if (entries_.insert_or_assign(key, std::move(entry)).second) {
        order_.push_back(key);
    }
    while (order_.size() > kMaxEntries) {
        entries_.erase(order_.front());
        order_.pop_front();
    }
}

SentLedger::Entry* SentLedger::find(const std::string& mid_hex, const std::string& fp_hex) {
    auto it = entries_.find(mid_hex + "/" + fp_hex);
    return it == entries_.end() ? nullptr : &it->second;
}

std::filesystem::path ConversationLog::file_of(const std::string& peer) const {
    return dir_ / (canonical_username(peer) + ".jsonl");
}

Status ConversationLog::append(const std::string& peer, const std::string& json_line) const {
    if (!is_valid_username(peer)) {
        return fail("not a conversation: '" + peer + "'");
    }
    auto path = file_of(peer);
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return fail("cannot open " + path.string() + ": " + std::strerror(errno));
    }
    std::string line = json_line + "\n";
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
    ::fsync(fd);
    ::close(fd);
    return {};
}

std::string ConversationLog::warning_line(std::uint64_t ts, const note::Warning& w) {
    return json{{"event", "warning"},
                {"ts", ts},
                {"code", w.code},
                {"user", w.user},
                {"device", w.device},
                {"old_fingerprint", w.old_fingerprint},
                {"fingerprint", w.fingerprint},
                {"message", w.message}}
        .dump(-1, ' ', true, json::error_handler_t::replace);
}

std::string ConversationLog::envelope_line(const char* event, std::uint64_t ts,
                                           const char* party_key, const std::string& party,
                                           const std::string& device,
                                           const std::string& fingerprint, std::uint64_t seq,
                                           const std::string& mid, ByteView envelope,
                                           const note::Protection& p) {
    return json{{"event", event},
                {"ts", ts},
                {party_key, party},
                {"device", device},
                {"fingerprint", fingerprint},
                {"seq", seq},
                {"mid", mid},
                {"envelope", to_hex(envelope)},
                {"sig", p.signature_hex},
                {"commit", p.commitment_hex}}
        .dump(-1, ' ', true, json::error_handler_t::replace);
}

std::string ConversationLog::delivered_line(std::uint64_t ts, const note::Delivered& d) {
    return json{
        {"event", "delivered"},         {"ts", ts},       {"to", d.to},   {"device", d.device},
        {"fingerprint", d.fingerprint}, {"seq", d.seqno}, {"mid", d.mid}, {"delivered_ts", d.ts}}
        .dump(-1, ' ', true, json::error_handler_t::replace);
}

}  // namespace sc::client

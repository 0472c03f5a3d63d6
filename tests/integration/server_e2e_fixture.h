// The end-to-end requests' fixture (issue 11, issue 12): users with their own certificates and
// named devices on a real server over loopback (FriendsTest), and the requests of §2.4 as
// one-line helpers. Each backend's executable runs the same cases.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <variant>

#include "e2e/prekeys.h"
#include "proto/limits.h"
#include "server_friends_fixture.h"

namespace sc::test {

using proto::ErrorCode;
namespace msg = proto::msg;

inline std::string code_of(const msg::Result& r) {
    return r.code ? std::string(proto::error_code_name(*r.code)) : std::string("ok");
}

inline Bytes prekey_bytes(std::uint64_t id) {
    return Bytes(proto::kPrekeyBytes, static_cast<std::uint8_t>(id * 7 + 1));
}

inline Bytes random_bytes(std::size_t n) {
    std::mt19937 rng(std::random_device{}());
    Bytes out(n);
    for (auto& b : out) {
        b = static_cast<std::uint8_t>(rng());
    }
    return out;
}

inline std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Whether `needle` occurs in any regular file below `dir`.
inline bool found_below(const std::filesystem::path& dir, const std::string& needle) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(
             dir, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && file_text(it->path()).find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
}

class E2eServerTest : public FriendsTest {
  protected:
    std::string device_id(const std::string& identity) const {
        return identity_of(identity).chain.front().fingerprint().hex();
    }
    // A prekeys request of `identity`'s device, signed with `signer`'s key (its own by default)
    // over `owner`'s fingerprint (its own by default).
    msg::PublishPrekeys prekeys(const std::string& identity, std::uint64_t spk_id,
                                const std::vector<std::uint64_t>& one_time,
                                const std::string& signer = "", const std::string& owner = "") {
        const auto& key = *identity_of(signer.empty() ? identity : signer).key;
        const auto fp = identity_of(owner.empty() ? identity : owner).chain.front().fingerprint();
        msg::PublishPrekeys m;
        if (spk_id != 0) {
            m.spk_id = spk_id;
            m.spk = prekey_bytes(spk_id + 100);
            m.spk_ts = 1'700'000'000'000 + spk_id;
            m.spk_sig =
                e2e::sign_prekey(key, e2e::PrekeyKind::signed_prekey, fp, m.spk_id, m.spk, m.spk_ts)
                    .value();
        }
        for (auto id : one_time) {
            msg::OneTimePrekey k{id, prekey_bytes(id), 1'700'000'000'000 + id, {}};
            k.sig =
                e2e::sign_prekey(key, e2e::PrekeyKind::one_time, fp, k.key_id, k.key, k.ts).value();
            m.one_time.push_back(std::move(k));
        }
        return m;
    }
    // Publishes and expects a prekey_status.
    msg::PrekeyStatus publish(FriendClient& c, msg::PublishPrekeys m) {
        auto answer = c.request(std::move(m));
        if (!answer || !std::holds_alternative<msg::PrekeyStatus>(*answer)) {
            ADD_FAILURE() << c.name() << ": prekeys got no prekey_status"
                          << (answer && std::holds_alternative<msg::Result>(*answer)
                                  ? ": " + std::get<msg::Result>(*answer).message
                                  : std::string());
            return {};
        }
        return std::get<msg::PrekeyStatus>(*answer);
    }
    std::variant<msg::DeviceList, msg::Result> devices(FriendClient& c, const std::string& of) {
        auto answer = c.request(msg::ListDevices{0, of});
        if (answer && std::holds_alternative<msg::DeviceList>(*answer)) {
            return std::get<msg::DeviceList>(*answer);
        }
        if (answer && std::holds_alternative<msg::Result>(*answer)) {
            return std::get<msg::Result>(*answer);
        }
        ADD_FAILURE() << c.name() << ": devices got neither device_list nor result";
        return msg::Result{0, ErrorCode::internal, "no answer"};
    }
    std::variant<msg::KeyBundle, msg::Result> bundle(FriendClient& c, const std::string& of,
                                                     const std::string& device) {
        auto answer = c.request(msg::FetchBundle{0, of, device});
        if (answer && std::holds_alternative<msg::KeyBundle>(*answer)) {
            return std::get<msg::KeyBundle>(*answer);
        }
        if (answer && std::holds_alternative<msg::Result>(*answer)) {
            return std::get<msg::Result>(*answer);
        }
        ADD_FAILURE() << c.name() << ": bundle got neither key_bundle nor result";
        return msg::Result{0, ErrorCode::internal, "no answer"};
    }
    // A `send`: its `stored` statement, or the result that refused it.
    std::variant<msg::Stored, msg::Result> send_for(FriendClient& c, const std::string& to,
                                                    const std::string& device,
                                                    Bytes body = Bytes{1, 2, 3},
                                                    Bytes mid = Bytes(kMessageIdBytes, 9)) {
        auto answer = c.request(msg::Relay{0, to, device, std::move(mid), std::move(body)});
        if (answer && std::holds_alternative<msg::Stored>(*answer)) {
            return std::get<msg::Stored>(*answer);
        }
        if (answer && std::holds_alternative<msg::Result>(*answer)) {
            return std::get<msg::Result>(*answer);
        }
        ADD_FAILURE() << c.name() << ": send got neither stored nor result";
        return msg::Result{0, ErrorCode::internal, "no answer"};
    }
    // "stored", or the code of the result that refused it (its message after a colon).
    std::string send(FriendClient& c, const std::string& to, const std::string& device,
                     Bytes body = Bytes{1, 2, 3}, Bytes mid = Bytes(kMessageIdBytes, 9)) {
        auto sent = send_for(c, to, device, std::move(body), std::move(mid));
        if (std::holds_alternative<msg::Stored>(sent)) {
            return "stored";
        }
        const auto& r = std::get<msg::Result>(sent);
        return code_of(r) + (r.message.empty() ? "" : ": " + r.message);
    }
    // `received` for these held ids: its result's code.
    std::string received(FriendClient& c, std::vector<std::uint64_t> held) {
        return code_of(c.result_of(msg::Received{0, std::move(held)}));
    }
    // The next envelope pushed to `c` (skipping presence and friend events), within 10 s.
    std::optional<msg::Envelope> next_envelope(FriendClient& c) {
        while (auto push = c.next_push()) {
            if (auto* e = std::get_if<msg::Envelope>(&*push)) {
                return *e;
            }
        }
        return std::nullopt;
    }
    // Envelopes pushed to `c` so far. Ask after a request of `c` was answered: anything the
    // server had posted to its session before that answer has arrived by then.
    std::size_t envelopes_now(FriendClient& c) {
        auto pushes = c.untaken_pushes();
        return static_cast<std::size_t>(std::count_if(pushes.begin(), pushes.end(), [](auto& p) {
            return std::holds_alternative<msg::Envelope>(p);
        }));
    }
    void befriend(FriendClient& a, FriendClient& b) {
        EXPECT_EQ(code_of(a.command(msg::FriendOp::request, b.name())), "ok");
        EXPECT_EQ(code_of(b.command(msg::FriendOp::accept, a.name())), "ok");
    }
};

}  // namespace sc::test

// The verdicts of `securechat attack hostile-server`'s relay kinds (hostile_relay.h), from what
// the compromised server saw the client do and what the client kept of it (client_reaction.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "attack/flood.h"
#include "common/result.h"
#include "pki/certificate.h"
#include "proto/messages.h"

namespace sc::attack {

// What the client did, as the server saw it.
struct Seen {
    std::string user;                               // whom it logged in as
    std::vector<pki::Certificate> chain;            // its certificate
    std::optional<proto::msg::PublishPrekeys> spk;  // its signed prekey, once published
    bool fetched = false;                           // it fetched the served bundle
    std::size_t sent_to_served = 0;                 // sends to the served device
    std::size_t delivered_statements = 0;           // of them, delivered statements
    std::size_t received = 0;                       // stored copies it said `received` for
    bool pushed = false;                            // the friend's envelopes went out
    bool forged = false;                            // the forged statement went out
    bool name_pushed = false;                       // the escaped name went out
    std::string refused;                            // the error the client sent, if any
};

// The swaps: stopped when nothing went to the swapped device.
Verdict swapped_verdict(const Seen& seen, std::ostream& out);

// From the client's transcript with the friend (its data directory `data`): the warnings it
// recorded since `since`; stopped when the one expected is among them.
Result<Verdict> warning_verdict(std::string_view expected, const std::filesystem::path& data,
                                const std::string& own_fp, const std::string& peer,
                                std::uint64_t since, std::ostream& out);

// From the client's line-mode output in `file`: stopped when it shows `marker` and holds no
// control character raw.
Result<Verdict> screen_verdict(const Seen& seen, const std::filesystem::path& file,
                               std::string_view marker, std::ostream& out);

}  // namespace sc::attack

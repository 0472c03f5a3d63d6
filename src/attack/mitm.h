// `securechat attack mitm`: a man in the middle between one real client and the server
// (issue 13). It listens on loopback, takes one client connection, connects to the server, and
// relays every frame both ways, relaying the real certificates, but changes the handshake:
//   swap-share  the server's DH share in dh_server replaced by the attacker's own
//   drop-group  one group removed from the client's hello (a downgrade of the offer)
// Stopped when the handshake never completes (no record crosses in either direction): the
// side that noticed says so with its error frame, or closes.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

#include "attack/flood.h"
#include "attack/target.h"
#include "common/result.h"

namespace sc::attack {

enum class MitmKind { swap_share, drop_group };
std::string_view mitm_kind_name(MitmKind kind);
std::optional<MitmKind> mitm_kind_from(std::string_view name);

struct MitmOptions {
    std::chrono::seconds patience{30};  // for the client to connect, and for the relay
    // Told the port once listening (the CLI prints it for the client to connect to).
    std::function<void(std::uint16_t)> listening;
};

Result<Verdict> run_mitm(MitmKind kind, const Target& server, const MitmOptions& options,
                         std::ostream& out);

}  // namespace sc::attack

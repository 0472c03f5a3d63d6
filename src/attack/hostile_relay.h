// `securechat attack hostile-server` after the handshake (issue 13 item 5): a compromised
// server, holding a valid certificate from the CA (signed here with --ca-dir), that mishandles
// what users say to each other. It accepts the client's login, says the friend is online, and:
//   swap-prekey  serves the friend's genuine bundle with a prekey the friend never signed
//   swap-device  serves, as the friend's device, a certificate for the friend's name from
//                another CA (made here) whose prekeys its own key signed
//   replay       pushes one genuine envelope from the friend twice
//   reorder      pushes two genuine envelopes from the friend in the wrong order
//   drop         pushes genuine envelopes 1 and 3 of 3 from the friend, never 2
//   forge-stored     answers the client's message to the friend with a `stored` statement
//                    whose signature is not the server's
//   forge-delivered  pushes back the friend's genuine delivered statement for it, with one bit
//                    of its signature flipped: a statement the friend never signed
//   escapes      pushes a genuine envelope from the friend whose text holds terminal escape
//                sequences (a title change, a screen clear, colours, a C1 CSI, a bidi
//                override), then, once the client holds it, a friend request from a "name"
//                made of escape sequences
// The friend's device is played with its certificate and key (--peer-cert, --peer-key): the
// genuine bundle and envelopes come from the real e2e library. What the tool sees of the
// client: for the swaps, whether anything went to that device after the client fetched its
// bundle (someone must /msg the friend from the client meanwhile, as for the forge kinds); for
// the replay, how many delivered statements the client signed for the one message; for the
// warnings, the warnings the client recorded in its conversation transcript with the friend
// (--client-data: its data directory), after it quit; for the escapes, what reached its screen
// (--client-output: the file its line-mode output went to) and whether it refused the name.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

#include "attack/flood.h"
#include "attack/hostile_server.h"
#include "common/result.h"
#include "crypto/keys.h"
#include "pki/certificate.h"

namespace sc::attack {

enum class HostileRelayKind {
    swap_prekey,
    swap_device,
    replay,
    reorder,
    drop,
    forge_stored,
    forge_delivered,
    escapes
};
std::string_view hostile_relay_kind_name(HostileRelayKind kind);
std::optional<HostileRelayKind> hostile_relay_kind_from(std::string_view name);

struct PeerDevice {
    std::vector<pki::Certificate> chain;  // the friend's device certificate (leaf first)
    std::shared_ptr<const crypto::PrivateKey> key;
};

struct RelayOptions {
    PeerDevice peer;
    // The client's data directory (its --data-dir), to read the warnings it recorded: needed by
    // reorder, drop, forge-stored and forge-delivered.
    std::filesystem::path client_data;
    // The file the client's line-mode output (`chat --plain` or `--json`) goes to: needed by
    // escapes.
    std::filesystem::path client_output;
};

// `server.ca` is required: the compromised server's certificate is a genuine one.
Result<Verdict> run_hostile_relay(HostileRelayKind kind, const HostileServerSetup& server,
                                  const RelayOptions& options, std::ostream& out);

}  // namespace sc::attack

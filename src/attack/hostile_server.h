// `securechat attack hostile-server`: a server for a real client to connect to, presenting a
// certificate the client must refuse (issue 13). It listens on loopback, runs the server side
// of the handshake properly (the protocol core signs with the forged certificate's own key), so
// the certificate is the only thing wrong, and prints what the client did.
//   other-ca       a server certificate with the right name from another CA (made here)
//   wrong-name     one from the real CA for another name                        (--ca-dir)
//   expired        one from the real CA for the right name, expired a day ago   (--ca-dir)
//   client-cert    one from the real CA for the right name, issued for a client (--ca-dir)
// Stopped when the client ends the handshake before it sends its dh_client.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "attack/flood.h"
#include "common/result.h"
#include "pki/authority.h"
#include "proto/environment.h"

namespace sc::attack {

enum class HostileServerKind { other_ca, wrong_name, expired, client_cert };
std::string_view hostile_server_kind_name(HostileServerKind kind);
std::optional<HostileServerKind> hostile_server_kind_from(std::string_view name);
bool needs_ca(HostileServerKind kind);

struct HostileServerSetup {
    pki::Certificate ca_cert;                     // the real CA (the client trusts it)
    std::optional<pki::CertificateAuthority> ca;  // its key, to sign with
    std::string name;                             // the name the client expects, e.g. "server"
    std::string address = "127.0.0.1";            // the SAN put in the certificates
    std::chrono::seconds patience{30};
    std::function<void(std::uint16_t)> listening;
};

// A genuine server certificate for setup.name from setup.ca (required), with its key: what a
// compromised server holds.
Result<proto::Identity> genuine_server_identity(const HostileServerSetup& setup);

Result<Verdict> run_hostile_server(HostileServerKind kind, const HostileServerSetup& setup,
                                   std::ostream& out);

}  // namespace sc::attack

// `securechat attack bad-cert`: handshakes with certificates the server must refuse (issue 13).
//   self-signed    a self-signed certificate named like the account
//   other-ca       a client certificate for the account from another CA (made here)
//   expired        one from the server's own CA whose validity ended yesterday      (--ca-dir)
//   wrong-purpose  one from the server's own CA for a server, not a client          (--ca-dir)
//   wrong-name     one from the server's CA whose name is not a username, logging in as
//                  this account                                                   (--ca-dir)
//   other-user     a valid client certificate of another user, logging in as this account
//                  (--ca-dir, --user, --password-file)
//   revoked        a certificate the operator revoked (securechat pki revoke, then pki crl and
//                  a reload of the server), with its key           (--revoked-cert, --revoked-key)
// The kinds marked --ca-dir need the CA's directory to sign with: an operator attacking their
// own server has it. The certificates are made in memory for the run and never written.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "attack/flood.h"
#include "attack/target.h"
#include "common/result.h"
#include "pki/authority.h"
#include "proto/environment.h"

namespace sc::attack {

enum class BadCertKind {
    self_signed,
    other_ca,
    expired,
    wrong_purpose,
    wrong_name,
    other_user,
    revoked
};
std::string_view bad_cert_kind_name(BadCertKind kind);
std::optional<BadCertKind> bad_cert_kind_from(std::string_view name);
std::vector<BadCertKind> all_bad_cert_kinds();
bool needs_ca(BadCertKind kind);
// The kinds whose certificate the server can only refuse at a login (they need the password).
bool logs_in(BadCertKind kind);

struct BadCertSetup {
    proto::Trust trust;  // to check the server's certificate
    std::string server_name;
    std::optional<pki::CertificateAuthority> ca;  // the server's CA, to sign with
    std::string user;                             // the account the certificates name
    std::string password;                         // wrong-name, other-user: the account's password
    std::optional<proto::Identity> revoked;       // revoked: the certificate and its key
};

Result<Verdict> run_bad_cert(BadCertKind kind, const Target& target, const BadCertSetup& setup,
                             std::ostream& out);

}  // namespace sc::attack

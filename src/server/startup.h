// What a server start needs from the outside world, each loaded in one place: its identity
// (certificate chain and the key that matches it), the trust (CA and CRLs), the store; and
// `check_startup`, which tries all of it and the listen ports without starting anything, for
// `securechat server --check-config` (issue 15).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "proto/environment.h"
#include "server/settings.h"
#include "store/social_store.h"

namespace sc::server {

Result<proto::Identity> load_identity(const Settings& s);
Result<std::shared_ptr<const proto::Trust>> load_trust(const Settings& s);
Result<std::unique_ptr<store::Store>> open_store(const Settings& s);

// Every problem a start would meet, each in plain words; empty when a start would succeed so
// far as can be told without starting: the settings' own checks (validate), the certificate
// and key files and whether they match, the server's certificate verified against the CA and
// CRLs for the server purpose (so an expired certificate or CRL, another CA's, or a revoked
// one is named), the store reached (SQLite: its directory usable; an existing database
// opened; MariaDB: connected), and each listen address free to bind, the metrics one too.
std::vector<std::string> check_startup(const Settings& s);

}  // namespace sc::server

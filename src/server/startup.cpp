#include "server/startup.h"

#include <unistd.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <filesystem>

#include "crypto/key_file.h"
#include "crypto/keys.h"
#include "pki/ca_directory.h"
#include "pki/verify.h"

namespace sc::server {
namespace {

namespace fs = std::filesystem;

// Seed rows are wrapped at migration with the same Argon2id cost as new passwords (review L6).
store::HashCost wrap_cost(const Settings& s) {
    return {s.security.argon2_opslimit, s.security.argon2_memlimit};
}

fs::path sqlite_path(const Settings& s) {
    return s.database.sqlite_path.empty() ? s.data_dir / "securechat.db" : s.database.sqlite_path;
}

// The nearest directory that exists on the way to `path`, and whether we may create in it.
std::string unusable_directory(const fs::path& dir) {
    std::error_code ec;
    fs::path at = dir;
    while (!at.empty() && !fs::exists(at, ec)) {
        at = at.parent_path();
    }
    if (at.empty()) {
        at = ".";
    }
    if (!fs::is_directory(at, ec)) {
        return at.string() + " is not a directory";
    }
    if (::access(at.c_str(), W_OK | X_OK) != 0) {
        return "cannot write in " + at.string();
    }
    return {};
}

void check_identity_and_trust(const Settings& s, std::vector<std::string>& problems) {
    auto identity = load_identity(s);
    if (!identity) {
        problems.push_back("server certificate and key: " + identity.error().message);
    }
    auto trust = load_trust(s);
    if (!trust) {
        problems.push_back("CA and CRL: " + trust.error().message);
    }
    if (!identity || !trust) {
        return;
    }
    // The server's own certificate, as its clients will check it (but for the name they ask).
    pki::VerifyPolicy policy((*trust)->ca);
    policy.crls = (*trust)->crls;
    policy.purpose = pki::Purpose::server;
    policy.clock_skew = (*trust)->clock_skew;
    policy.allow_legacy_seed_certs = (*trust)->allow_legacy_seed_certs;
    if (auto verified = pki::verify_certificate(identity->chain, policy); !verified) {
        problems.push_back("the server certificate " + s.cert.string() +
                           " would be refused by its clients: " + verified.error().message());
    }
}

void check_store(const Settings& s, std::vector<std::string>& problems) {
    if (s.database.backend == store::Backend::mysql) {
        if (auto opened = open_store(s); !opened) {
            problems.push_back("store: " + opened.error().message);
        }
        return;
    }
    const auto db = sqlite_path(s);
    if (auto why = unusable_directory(s.data_dir); !why.empty()) {
        problems.push_back("data_dir " + s.data_dir.string() + ": " + why);
        if (db.parent_path() == s.data_dir) {
            return;  // the database's own problem is the same one
        }
    }
    std::error_code ec;
    if (fs::exists(db, ec)) {
        if (auto opened = open_store(s); !opened) {
            problems.push_back("store: " + opened.error().message);
        }
    } else if (auto why = unusable_directory(db.parent_path()); !why.empty()) {
        problems.push_back("SQLite " + db.string() + " cannot be created: " + why);
    }
}

void check_listen(const Settings& s, std::vector<std::string>& problems) {
    asio::io_context io;
    auto addresses = s.listen;  // the server's, then the metrics endpoint's when it is on
    if (!s.metrics.listen.empty()) {
        addresses.push_back(s.metrics.listen);
    }
    for (const auto& text : addresses) {
        auto endpoint = parse_endpoint(text);
        if (!endpoint) {
            continue;  // validate() named it
        }
        asio::error_code ec;
        auto address = asio::ip::make_address(endpoint->first, ec);
        if (ec) {
            problems.push_back("listen address '" + text + "': " + ec.message());
            continue;
        }
        // Bound as the server binds (SO_REUSEADDR), then closed at once.
        asio::ip::tcp::acceptor acceptor(io);
        asio::ip::tcp::endpoint ep(address, endpoint->second);
        acceptor.open(ep.protocol(), ec);
        if (!ec) {
            acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        }
        if (!ec) {
            acceptor.bind(ep, ec);
        }
        if (!ec) {
            acceptor.listen(asio::socket_base::max_listen_connections, ec);
        }
        if (ec == asio::error::address_in_use) {
            problems.push_back("cannot listen on " + text + ": " + ec.message() +
                               " (another process holds it; a running server of this "
                               "configuration does, and then this is expected)");
        } else if (ec) {
            problems.push_back("cannot listen on " + text + ": " + ec.message());
        }
    }
}

}  // namespace

Result<proto::Identity> load_identity(const Settings& s) {
    SC_TRY_ASSIGN(auto chain, pki::load_certificate_chain(s.cert));
    // Read with read(2) into wiped memory (review I3); a key the protocol has no scheme for is
    // refused now rather than at the first handshake (review L11).
    SC_TRY_ASSIGN(auto key, crypto::load_private_key(s.key));
    if (auto usable = crypto::check_protocol_key(key.describe()); !usable) {
        return fail(s.key.string() + ": " + usable.error().message);
    }
    if (!chain.front().public_key().same_key_as(key.public_key())) {
        return fail(s.key.string() + " is not the key of " + s.cert.string());
    }
    return proto::Identity{std::move(chain),
                           std::make_shared<const crypto::PrivateKey>(std::move(key))};
}

Result<std::shared_ptr<const proto::Trust>> load_trust(const Settings& s) {
    SC_TRY_ASSIGN(auto ca, pki::load_certificate_chain(s.ca));
    proto::Trust trust{ca.front(), {}, s.security.clock_skew, s.security.allow_legacy_seed_certs};
    if (!s.crl.empty()) {
        SC_TRY_ASSIGN(trust.crls, pki::load_crls(s.crl));
    }
    return std::make_shared<const proto::Trust>(std::move(trust));
}

Result<std::unique_ptr<store::Store>> open_store(const Settings& s) {
    if (s.database.backend == store::Backend::mysql) {
        auto opened = store::open_mariadb(s.database.mysql, wrap_cost(s));
        if (!opened) {
            return fail("MySQL/MariaDB: " + opened.error().message);
        }
        return std::move(opened).value();
    }
    const auto path = sqlite_path(s);
    auto opened = store::open_sqlite(path, wrap_cost(s));
    if (!opened) {
        return fail("SQLite " + path.string() + ": " + opened.error().message);
    }
    return std::move(opened).value();
}

std::vector<std::string> check_startup(const Settings& s) {
    std::vector<std::string> problems;
    if (auto valid = validate(s); !valid) {
        // validate() joins its problems with "; ": one a line here.
        const std::string& text = valid.error().message;
        for (std::size_t at = 0; at <= text.size();) {
            const auto end = std::min(text.find("; ", at), text.size());
            problems.push_back(text.substr(at, end - at));
            at = end + 2;
        }
    }
    // A file that is missing was named above; loading it would only say so again.
    std::error_code ec;
    const bool files_exist = !s.cert.empty() && !s.key.empty() && !s.ca.empty() &&
                             fs::exists(s.cert, ec) && fs::exists(s.key, ec) &&
                             fs::exists(s.ca, ec);
    if (files_exist) {
        check_identity_and_trust(s, problems);
    }
    check_store(s, problems);
    check_listen(s, problems);
    return problems;
}

}  // namespace sc::server

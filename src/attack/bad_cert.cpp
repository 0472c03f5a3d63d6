#include "attack/bad_cert.h"
#include "attack/kind_names.h"

#include "common/display_text.h"
#include "net/blocking_client.h"

namespace sc::attack {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

constexpr KindNames<BadCertKind, 7> kNames{{{
    {BadCertKind::self_signed, "self-signed"},
    {BadCertKind::other_ca, "other-ca"},
    {BadCertKind::expired, "expired"},
    {BadCertKind::wrong_purpose, "wrong-purpose"},
    {BadCertKind::wrong_name, "wrong-name"},
    {BadCertKind::other_user, "other-user"},
    {BadCertKind::revoked, "revoked"},
}}};

struct Forged {
    proto::Identity identity;
    std::string what;
};

Result<Forged> leaf(const pki::CertificateAuthority& ca, pki::Profile profile,
                    const std::string& name, Clock::time_point not_before,
                    Clock::time_point not_after, std::string what) {
    SC_TRY_ASSIGN(auto key, crypto::PrivateKey::generate(crypto::KeyType::ed25519));
    pki::CertSpec spec;
    spec.profile = profile;
    spec.common_name = name;
    spec.not_before = not_before;
    spec.not_after = not_after;
    SC_TRY_ASSIGN(auto cert, ca.sign(key.public_key(), spec));
    return Forged{proto::Identity{{std::move(cert)},
                                  std::make_shared<const crypto::PrivateKey>(std::move(key))},
                  std::move(what)};
}

Result<Forged> forge(BadCertKind kind, const BadCertSetup& setup) {
    const auto now = Clock::now();
    const std::string& user = setup.user;
    switch (kind) {
        case BadCertKind::self_signed: {
            SC_TRY_ASSIGN(auto self, pki::CertificateAuthority::create_root(
                                         user, crypto::KeyType::ed25519, now - 1h, now + 24h));
            // The key stays inside its CA object; the identity shares ownership of both.
            auto holder = std::make_shared<const pki::CertificateAuthority>(std::move(self));
            std::shared_ptr<const crypto::PrivateKey> key(holder, &holder->key());
            return Forged{proto::Identity{{holder->certificate()}, key},
                          "a self-signed certificate named '" + user + "'"};
        }
        case BadCertKind::other_ca: {
            SC_TRY_ASSIGN(auto other, pki::CertificateAuthority::create_root(
                                          setup.trust.ca.common_name(), crypto::KeyType::ed25519,
                                          now - 1h, now + 24h));
            return leaf(other, pki::Profile::client, user, now - 1h, now + 24h,
                        "a client certificate for '" + user +
                            "' from another CA that bears the real CA's name");
        }
        case BadCertKind::expired:
            return leaf(*setup.ca, pki::Profile::client, user, now - 48h, now - 24h,
                        "a client certificate for '" + user +
                            "' from the server's CA that expired a day ago");
        case BadCertKind::wrong_purpose:
            return leaf(*setup.ca, pki::Profile::server, user, now - 1h, now + 24h,
                        "a certificate for '" + user +
                            "' from the server's CA, issued for a server (serverAuth)");
        case BadCertKind::wrong_name:
            // The CA signed it, but its name is no username: no account can be bound to it.
            return leaf(*setup.ca, pki::Profile::client, "not a user: " + user, now - 1h, now + 24h,
                        "a client certificate from the server's CA whose name 'not a user: " +
                            user + "' is not a username, to log in as '" + user + "'");
        case BadCertKind::other_user:
            return leaf(
                *setup.ca, pki::Profile::client, user + "-other", now - 1h, now + 24h,
                "a valid client certificate of '" + user + "-other', to log in as '" + user + "'");
        case BadCertKind::revoked:
            if (!setup.revoked) {
                return fail("revoked needs --revoked-cert and --revoked-key");
            }
            return Forged{*setup.revoked,
                          "the revoked certificate '" +
                              display_text(setup.revoked->chain.front().common_name()) +
                              "' (serial " + setup.revoked->chain.front().serial_hex() +
                              ") with its key"};
    }
    return fail("unknown kind");
}

// Runs the handshake alone; true when the server completed it.
bool handshake(net::BlockingClient& client) {
    client.submit(client.session().start());
    client.wait_for(
        [](const net::BlockingClient::Events& events) {
            for (const auto& e : events) {
                if (std::holds_alternative<proto::event::HandshakeDone>(e) ||
                    std::holds_alternative<proto::event::PeerError>(e) ||
                    std::holds_alternative<proto::event::Failed>(e)) {
                    return true;
                }
            }
            return false;
        },
        10s);
    return client.has<proto::event::HandshakeDone>();
}

}  // namespace

std::string_view bad_cert_kind_name(BadCertKind kind) {
    return kNames.name(kind);
}

std::optional<BadCertKind> bad_cert_kind_from(std::string_view name) {
    return kNames.from(name);
}

std::vector<BadCertKind> all_bad_cert_kinds() {
    return kNames.all();
}

bool needs_ca(BadCertKind kind) {
    return kind == BadCertKind::expired || kind == BadCertKind::wrong_purpose ||
           kind == BadCertKind::wrong_name || kind == BadCertKind::other_user;
}

bool logs_in(BadCertKind kind) {
    return kind == BadCertKind::wrong_name || kind == BadCertKind::other_user;
}

Result<Verdict> run_bad_cert(BadCertKind kind, const Target& target, const BadCertSetup& setup,
                             std::ostream& out) {
    if (needs_ca(kind) && !setup.ca) {
        return fail(std::string(bad_cert_kind_name(kind)) +
                    " needs --ca-dir, the CA's directory, to sign the certificate");
    }
    SC_TRY_ASSIGN(auto forged, forge(kind, setup));
    proto::ClientConfig config{forged.identity, setup.trust, setup.server_name};
    auto client = net::BlockingClient::connect(target.port, config, target.host);
    if (!client) {
        return fail("cannot connect to " + target.text() + ": " + client.error().message);
    }
    out << "  sent: " << forged.what << "\n";
    bool in = logs_in(kind) ? (*client)->login(setup.user, setup.password) : handshake(**client);
    std::string code;
    std::string message;
    for (const auto& e : (*client)->events) {
        if (auto* p = std::get_if<proto::event::PeerError>(&e)) {
            code = display_text(p->code);
            message = display_text(p->message);
            break;
        }
    }
    if (in && code.empty()) {
        out << "  server: " << (logs_in(kind) ? "logged it in" : "completed the handshake") << "\n";
        return Verdict{false, "accepted"};
    }
    if (code.empty()) {
        out << "  server: no error frame (" << (*client)->failure() << ")\n";
        return Verdict{false, "no error"};
    }
    out << "  server: error " << code << " (\"" << message << "\")\n";
    return Verdict{true, code};
}

}  // namespace sc::attack

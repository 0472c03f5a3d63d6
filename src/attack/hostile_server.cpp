#include "attack/hostile_server.h"
#include "attack/kind_names.h"

#include <nlohmann/json.hpp>

#include "common/display_text.h"
#include "net/blocking_socket.h"
#include "proto/server_session.h"
#include "proto/wire/framer.h"

namespace sc::attack {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

constexpr KindNames<HostileServerKind, 4> kNames{{{
    {HostileServerKind::other_ca, "other-ca"},
    {HostileServerKind::wrong_name, "wrong-name"},
    {HostileServerKind::expired, "expired"},
    {HostileServerKind::client_cert, "client-cert"},
}}};

struct Forged {
    proto::Identity identity;
    std::string what;
};

Result<Forged> forge(HostileServerKind kind, const HostileServerSetup& setup) {
    const auto now = Clock::now();
    std::optional<pki::CertificateAuthority> other;
    const pki::CertificateAuthority* signer = setup.ca ? &*setup.ca : nullptr;
    pki::CertSpec spec;
    spec.profile = pki::Profile::server;
    spec.common_name = setup.name;
    spec.subject_alt_names = {"DNS:" + setup.name, "IP:" + setup.address};
    spec.not_before = now - 1h;
    spec.not_after = now + 24h;
    std::string what;
    switch (kind) {
        case HostileServerKind::other_ca: {
            SC_TRY_ASSIGN(auto made, pki::CertificateAuthority::create_root(
                                         setup.ca_cert.common_name(), crypto::KeyType::ed25519,
                                         now - 1h, now + 24h));
            other = std::move(made);
            signer = &*other;
            what = "a server certificate for '" + setup.name +
                   "' from another CA that bears the real CA's name";
            break;
        }
        case HostileServerKind::wrong_name:
            spec.common_name = "not-" + setup.name;
            spec.subject_alt_names = {"DNS:not-" + setup.name};
            what = "a server certificate from the real CA for 'not-" + setup.name + "'";
            break;
        case HostileServerKind::expired:
            spec.not_before = now - 48h;
            spec.not_after = now - 24h;
            what = "a server certificate from the real CA for '" + setup.name +
                   "' that expired a day ago";
            break;
        case HostileServerKind::client_cert:
            spec.profile = pki::Profile::client;
            spec.subject_alt_names = {};
            what = "a certificate from the real CA for '" + setup.name +
                   "' issued for a client (clientAuth)";
            break;
    }
    SC_TRY_ASSIGN(auto key, crypto::PrivateKey::generate(crypto::KeyType::ed25519));
    SC_TRY_ASSIGN(auto cert, signer->sign(key.public_key(), spec));
    return Forged{proto::Identity{{std::move(cert)},
                                  std::make_shared<const crypto::PrivateKey>(std::move(key))},
                  std::move(what)};
}

}  // namespace

std::string_view hostile_server_kind_name(HostileServerKind kind) {
    return kNames.name(kind);
}

std::optional<HostileServerKind> hostile_server_kind_from(std::string_view name) {
    return kNames.from(name);
}

Result<proto::Identity> genuine_server_identity(const HostileServerSetup& setup) {
    if (!setup.ca) {
        return fail("a genuine server certificate needs the CA's directory (--ca-dir)");
    }
    const auto now = Clock::now();
    pki::CertSpec spec;
    spec.profile = pki::Profile::server;
    spec.common_name = setup.name;
    spec.subject_alt_names = {"DNS:" + setup.name, "IP:" + setup.address};
    spec.not_before = now - 1h;
    spec.not_after = now + 24h;
    SC_TRY_ASSIGN(auto key, crypto::PrivateKey::generate(crypto::KeyType::ed25519));
    SC_TRY_ASSIGN(auto cert, setup.ca->sign(key.public_key(), spec));
    return proto::Identity{{std::move(cert)},
                           std::make_shared<const crypto::PrivateKey>(std::move(key))};
}

bool needs_ca(HostileServerKind kind) {
    return kind != HostileServerKind::other_ca;
}

Result<Verdict> run_hostile_server(HostileServerKind kind, const HostileServerSetup& setup,
                                   std::ostream& out) {
    if (needs_ca(kind) && !setup.ca) {
        return fail(std::string(hostile_server_kind_name(kind)) +
                    " needs --ca-dir, the CA's directory, to sign the certificate");
    }
    SC_TRY_ASSIGN(auto forged, forge(kind, setup));
    auto listener = net::BlockingListener::listen_on_loopback();
    if (!listener) {
        return fail("cannot listen: " + listener.error().message);
    }
    if (setup.listening) {
        setup.listening(listener->port());
    }
    auto socket = listener->accept(setup.patience);
    if (!socket) {
        return fail("no client connected: " + socket.error().message);
    }
    out << "  a client connected; presenting " << forged.what << "\n";
    proto::SystemClock clock;
    proto::SystemEntropy entropy;
    proto::ServerConfig config{
        .identity = forged.identity,
        .trust = proto::Trust{setup.ca_cert, {}, proto::kDefaultCertificateSkew, false}};
    config.groups = {crypto::DhGroup::x25519, crypto::DhGroup::ffdhe3072};
    proto::ServerSession session(config, clock, entropy);
    // What the client sent, as frames: its error frame names its refusal.
    proto::FrameReader frames;
    std::optional<std::string> refusal;
    bool sent_dh_client = false;
    bool closed = false;
    const auto deadline = std::chrono::steady_clock::now() + setup.patience;
    while (!closed && std::chrono::steady_clock::now() < deadline) {
        auto bytes = socket->read_some(1s);
        if (!bytes && bytes.error().kind == net::IoError::Kind::timed_out) {
            continue;
        }
        if (!bytes || bytes->empty()) {
            closed = true;
            break;
        }
        frames.feed(*bytes);
        while (true) {
            auto next = frames.next();
            auto* frame = std::get_if<proto::Frame>(&next);
            if (frame == nullptr) {
                break;
            }
            auto j = nlohmann::json::parse(frame->payload_text(), nullptr, false);
            const auto type = j.is_object() ? j.value("type", "?") : std::string("?");
            out << "  client: " << display_text(type) << "\n";
            sent_dh_client = sent_dh_client || type == "dh_client";
            if (type == "error" && !refusal) {
                refusal = display_text(j.value("code", "")) + " (\"" +
                          display_text(j.value("message", "")) + "\")";
            }
        }
        auto output = session.receive(*bytes);
        for (const auto& wire : output.send) {
            (void)socket->write_all(wire, 5s);
        }
        if (sent_dh_client) {
            break;  // the client accepted the certificate
        }
    }
    if (sent_dh_client) {
        out << "  the client went on with the handshake: it accepted the certificate\n";
        return Verdict{false, "accepted"};
    }
    if (refusal) {
        out << "  the client refused: " << *refusal << "\n";
        return Verdict{true, refusal->substr(0, refusal->find(' '))};
    }
    out << (closed ? "  the client closed without a word\n" : "  the client said nothing\n");
    return Verdict{closed, closed ? "closed" : "silent"};
}

}  // namespace sc::attack

#include "fuzz_pki.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <variant>

#include "common/base64.h"
#include "crypto/sha256.h"
#include "proto/limits.h"

namespace sc::fuzz {
namespace {

using std::chrono::sys_days;
using std::chrono::system_clock;
using std::chrono::year;

// The CA of the fuzz targets, made once with pki::CertificateAuthority::create_root (Ed25519,
// 2020-01-01 to 2099-12-31) and frozen here so that every process has the same one. The key is
// a test key and protects nothing.
constexpr std::string_view kCaKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIGb/awClFMwpssXy/rMffCOeDr0TKLxoQg2kZIasqfu+\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kCaCertPem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBXTCCAQ+gAwIBAgIQYpZMbst3P4maUahsaXlVljAFBgMrZXAwHTEbMBkGA1UE\n"
    "AwwSU2VjdXJlQ2hhdCBGdXp6IENBMCAXDTIwMDEwMTAwMDAwMFoYDzIwOTkxMjMx\n"
    "MDAwMDAwWjAdMRswGQYDVQQDDBJTZWN1cmVDaGF0IEZ1enogQ0EwKjAFBgMrZXAD\n"
    "IQAW89m4N9vXVel1EMAl3fjedk2x1cwyAf6SIEARd/DwHqNjMGEwDwYDVR0TAQH/\n"
    "BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFFZxW+YQytP/3DcoWf0j\n"
    "bmkyTkp8MB8GA1UdIwQYMBaAFFZxW+YQytP/3DcoWf0jbmkyTkp8MAUGAytlcANB\n"
    "AAsLhzjtU8h4NHU6PQ+syDYheMay/dTf3nYTHTE7CDZdrk+DTPYl7xanRrWJ94UD\n"
    "H28tzJ+S03Iwgfsc91bTgAA=\n"
    "-----END CERTIFICATE-----\n";

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "fuzz_pki: %s\n", what.c_str());
    std::abort();
}

template <class T>
T must(Result<T> result, const char* what) {
    if (!result) {
        die(std::string(what) + ": " + result.error().message);
    }
    return std::move(result).value();
}

// An Ed25519 key from a seed: the 32 bytes after the fixed PKCS#8 (RFC 8410) prefix.
crypto::PrivateKey ed25519_from_label(std::string_view label) {
    static constexpr std::uint8_t kPrefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                               0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
    auto seed = crypto::sha256(as_bytes(label));
    crypto::SecretBytes der(ByteView(kPrefix, sizeof kPrefix));
    der.append(seed);
    std::string pem = "-----BEGIN PRIVATE KEY-----\n" +
                      base64_encode(der.reveal(crypto::SecretAccess{})) +
                      "\n-----END PRIVATE KEY-----\n";
    auto key = crypto::PrivateKey::from_pem(crypto::SecretBytes(as_bytes(pem)));
    crypto::secure_wipe(pem.data(), pem.size());
    return must(std::move(key), "cannot load a fuzz key");
}

proto::Identity issue(const pki::CertificateAuthority& ca, pki::Profile profile,
                      const std::string& name, std::uint8_t serial) {
    auto key = ed25519_from_label("securechat fuzz key " + name);
    pki::CertSpec spec;
    spec.profile = profile;
    spec.common_name = name;
    spec.subject_alt_names = {"DNS:" + name};
    spec.not_before = system_clock::time_point(sys_days{year{2020} / 1 / 1});
    spec.not_after = system_clock::time_point(sys_days{year{2099} / 12 / 31});
    spec.serial = Bytes{0x40, 0x00, 0x00, serial};
    auto cert = must(ca.sign(key.public_key(), spec), "cannot issue a fuzz certificate");
    return proto::Identity{{cert}, std::make_shared<const crypto::PrivateKey>(std::move(key))};
}

FuzzPki build_pki() {
    auto ca_key =
        must(crypto::PrivateKey::from_pem(crypto::SecretBytes(as_bytes(kCaKeyPem))), "CA key");
    auto ca_cert = must(pki::Certificate::from_pem(kCaCertPem), "CA certificate");
    pki::CertificateAuthority ca(std::move(ca_cert), std::move(ca_key));
    auto server = issue(ca, pki::Profile::server, "server", 1);
    auto client = issue(ca, pki::Profile::client, "alice", 2);
    return FuzzPki{std::move(ca), std::move(server), std::move(client)};
}

// Cuts `stream` into the pieces that receive() gets (see make_stream_input).
std::vector<ByteView> split(ByteView stream, std::uint8_t chunking) {
    std::vector<ByteView> chunks;
    std::size_t at = 0;
    while (at < stream.size()) {
        std::size_t rest = stream.size() - at;
        std::size_t n = chunking;
        if (chunking == 0) {
            n = rest;
            if (rest >= proto::kFrameHeaderBytes) {
                const std::uint8_t* p = stream.data() + at;
                std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) |
                                     (std::size_t{p[2]} << 8) | std::size_t{p[3]};
                if (length > 0 && length <= proto::kMaxFramePayload &&
                    proto::kFrameHeaderBytes + length <= rest) {
                    n = proto::kFrameHeaderBytes + length;
                }
            }
        }
        n = std::min(n, rest);
        chunks.push_back(stream.subspan(at, n));
        at += n;
    }
    return chunks;
}

// Records what `out` says and checks the invariants every output must keep.
void observe(const proto::Output& out, bool finished, RunResult& result) {
    for (const auto& e : out.events) {
        if (std::holds_alternative<proto::event::HandshakeDone>(e)) {
            result.handshake_done = true;
        } else if (std::holds_alternative<proto::event::ChatReady>(e)) {
            result.chat_ready = true;
        } else if (std::holds_alternative<proto::event::ReceiptsExchanged>(e)) {
            result.receipts_exchanged = true;
        } else if (const auto* failed = std::get_if<proto::event::Failed>(&e)) {
            if (result.failure.empty()) {
                result.failure = failed->error.text();
            }
            // A failure always asks to close, and the session takes nothing more.
            if (!out.close || !finished) {
                die("a Failed event without close: " + failed->error.text());
            }
        }
    }
    if (out.close && !finished) {
        die("the session asked to close but is not finished");
    }
    result.finished = finished;
}

template <class Session, class Drive>
RunResult run(Session& session, proto::Output first, ByteView input, Drive drive) {
    RunResult result;
    if (input.empty()) {
        return result;
    }
    auto scenario = (input[0] & 0x80) != 0 ? Scenario::server_closes : Scenario::client_closes;
    auto chunking = static_cast<std::uint8_t>(input[0] & 0x7f);
    drive(session, first, scenario);
    observe(first, session.finished(), result);
    for (ByteView chunk : split(input.subspan(1), chunking)) {
        auto out = session.receive(chunk);
        if (result.finished) {
            // A finished session ignores everything that follows.
            if (!out.send.empty() || !out.events.empty() || out.close) {
                die("a finished session reacted to more input");
            }
            break;
        }
        drive(session, out, scenario);
        observe(out, session.finished(), result);
    }
    return result;
}

}  // namespace

system_clock::time_point fixed_now() {
    return system_clock::time_point(sys_days{year{2026} / 1 / 1});
}

Result<Bytes> DeterministicEntropy::random(std::size_t count) {
    Bytes out;
    while (out.size() < count) {
        crypto::Sha256 h;
        h.update(as_bytes(label_));
        Bytes block{0};
        for (int shift = 56; shift >= 0; shift -= 8) {
            block.push_back(static_cast<std::uint8_t>(counter_ >> shift));
        }
        h.update(block);
        ++counter_;
        auto digest = h.peek();
        out.insert(out.end(), digest.begin(), digest.end());
    }
    out.resize(count);
    return out;
}

Result<crypto::EphemeralKeyPair> DeterministicEntropy::ephemeral(crypto::DhGroup group) {
    if (group != crypto::DhGroup::x25519) {
        return crypto::EphemeralKeyPair::generate(group);
    }
    SC_TRY_ASSIGN(auto secret, random(32));
    return crypto::EphemeralKeyPair::from_private_for_test(group, secret);
}

proto::Trust FuzzPki::trust() const {
    return proto::Trust{ca.certificate(), {}, std::chrono::seconds(300)};
}

const FuzzPki& fuzz_pki() {
    static const FuzzPki pki = build_pki();
    return pki;
}

proto::ClientConfig fuzz_client_config() {
    const auto& pki = fuzz_pki();
    return proto::ClientConfig{
        .identity = pki.client, .trust = pki.trust(), .server_name = "server"};
}

proto::ServerConfig fuzz_server_config() {
    const auto& pki = fuzz_pki();
    return proto::ServerConfig{.identity = pki.server, .trust = pki.trust()};
}

void drive_client(proto::ClientSession& client, proto::Output& out, Scenario scenario) {
    // Reactions append to out.events, so walk it by index.
    for (std::size_t i = 0; i < out.events.size(); ++i) {
        proto::Output more;
        const auto& e = out.events[i];
        if (std::holds_alternative<proto::event::HandshakeDone>(e)) {
            more = client.login("alice", crypto::SecretBytes(as_bytes("correct horse")));
        } else if (std::holds_alternative<proto::event::ChatReady>(e)) {
            more.append(client.send_text("hello 1"));
            more.append(client.send_text("hello 2 \xc3\xa9\xe2\x82\xac"));
        } else if (const auto* acked = std::get_if<proto::event::Acknowledged>(&e)) {
            if (acked->seqno == 2) {
                more.append(client.rekey());
                more.append(client.send_text("hello 3, queued during the rekey"));
            }
        } else if (const auto* rekeyed = std::get_if<proto::event::Rekeyed>(&e)) {
            if (rekeyed->epoch == 2 && scenario == Scenario::client_closes) {
                more = client.close();
            }
        }
        out.append(std::move(more));
    }
}

void drive_server(proto::ServerSession& server, proto::Output& out, Scenario scenario) {
    for (std::size_t i = 0; i < out.events.size(); ++i) {
        proto::Output more;
        const auto& e = out.events[i];
        if (const auto* reg = std::get_if<proto::event::RegisterRequested>(&e)) {
            more = server.accept_auth(proto::Principal{.username = reg->username},
                                      proto::msg::AuthAction::registered);
        } else if (const auto* login = std::get_if<proto::event::LoginRequested>(&e)) {
            more = server.accept_auth(proto::Principal{.username = login->username},
                                      proto::msg::AuthAction::logged_in);
        } else if (std::holds_alternative<proto::event::ChatReady>(e)) {
            more = server.send_text("welcome");
        } else if (const auto* received = std::get_if<proto::event::MessageReceived>(&e)) {
            if (received->seqno == 2) {
                more = server.request_rekey();
            } else if (received->seqno == 3 && scenario == Scenario::server_closes) {
                more = server.close();
            }
        }
        out.append(std::move(more));
    }
}

Bytes make_stream_input(Scenario scenario, std::uint8_t chunking, ByteView stream) {
    Bytes input;
    input.push_back(static_cast<std::uint8_t>((scenario == Scenario::server_closes ? 0x80 : 0) |
                                              (chunking & 0x7f)));
    input.insert(input.end(), stream.begin(), stream.end());
    return input;
}

RunResult run_server(ByteView input) {
    FixedClock clock;
    DeterministicEntropy entropy("server");
    proto::ServerSession server(fuzz_server_config(), clock, entropy);
    return run(server, proto::Output{}, input, drive_server);
}

RunResult run_client(ByteView input) {
    FixedClock clock;
    DeterministicEntropy entropy("client");
    proto::ClientSession client(fuzz_client_config(), clock, entropy);
    auto first = client.start();
    return run(client, std::move(first), input, drive_client);
}

}  // namespace sc::fuzz

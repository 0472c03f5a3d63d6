// Two protocol parties in memory: a test CA, a client and a server session, a fixed clock, and a
// pump that carries frames between them (optionally through a tampering function).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "pki/authority.h"
#include "proto/client_session.h"
#include "proto/server_session.h"

namespace sc::proto::test {

class FixedClock final : public Clock {
  public:
    std::chrono::system_clock::time_point now() const override { return now_; }
    void advance(std::chrono::milliseconds d) { now_ += d; }
    std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
};

struct TestPki {
    explicit TestPki(crypto::KeyType type = crypto::KeyType::ed25519);
    pki::CertificateAuthority ca;
    Identity server;
    Identity client;
    Identity issue(pki::Profile profile, const std::string& name, crypto::KeyType type,
                   std::chrono::system_clock::time_point not_before,
                   std::chrono::system_clock::time_point not_after) const;
    Trust trust() const;
};

// Every event of one side, in order.
struct Events {
    std::vector<Event> all;
    template <class T>
    std::vector<T> of() const {
        std::vector<T> out;
        for (const auto& e : all) {
            if (auto* p = std::get_if<T>(&e)) {
                out.push_back(*p);
            }
        }
        return out;
    }
    template <class T>
    bool has() const {
        return !of<T>().empty();
    }
    std::string transcript() const;  // concatenated TranscriptAppend texts
    std::string failure() const;     // "code: message" of the first Failed, or ""
    // The typed certificate reason of the first Failed, if it was a refused certificate.
    std::optional<pki::CertError> cert_error() const;
};

enum class Side { client, server };
// Called with each frame in flight; may change it, drop it (return false) or record it.
using Tamper = std::function<bool(Side from, Bytes& frame)>;

struct Pair {
    explicit Pair(const TestPki& pki);
    Pair(ClientConfig client, ServerConfig server);

    // Carries frames until neither side has anything to send. Server auth requests are
    // accepted automatically when auto_accept is set.
    void deliver(Output out, Side from);
    void handshake();       // start + pump
    void login_and_chat();  // handshake + login + DH #2
    bool both_closed() const { return client_closed && server_closed; }

    FixedClock client_clock;
    FixedClock server_clock;
    SystemEntropy entropy;
    std::unique_ptr<ClientSession> client;
    std::unique_ptr<ServerSession> server;
    Events client_events;
    Events server_events;
    Tamper tamper;
    bool auto_accept = true;
    bool client_closed = false;
    bool server_closed = false;
    std::vector<Bytes> c2s_frames;  // everything the client sent, as sent
    std::vector<Bytes> s2c_frames;
};

ClientConfig client_config(const TestPki& pki);
ServerConfig server_config(const TestPki& pki);

}  // namespace sc::proto::test

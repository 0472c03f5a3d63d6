// Two protocol parties in memory: a client and a server session (with the testing library's PKI
// and fixed clocks), and a pump that carries frames between them (optionally through a tampering
// function). No GoogleTest: it is the library sc_proto_harness.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proto/client_session.h"
#include "proto/server_session.h"
#include "testing/fixed_clock.h"
#include "testing/storing_owner.h"
#include "testing/test_pki.h"

namespace sc::proto::test {

// The fixtures live in the testing library (tests/testing); these names stay for the tests.
using FixedClock = ::sc::test::FixedClock;
using TestPki = ::sc::test::TestPki;

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
    Role accept_role = Role::user;  // the role auto_accept gives the principal
    // The server's owner stores every message at once (acknowledge_stored); when unset, a test
    // answers store_pending() itself.
    bool auto_store = true;
    bool client_closed = false;
    bool server_closed = false;
    std::vector<Bytes> c2s_frames;  // everything the client sent, as sent
    std::vector<Bytes> s2c_frames;
};

ClientConfig client_config(const TestPki& pki);
ServerConfig server_config(const TestPki& pki);

}  // namespace sc::proto::test

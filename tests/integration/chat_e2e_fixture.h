// The fixture of the client's end-to-end tests against a scripted server
// (chat_controller_e2e_test.cpp, chat_controller_stored_test.cpp): the client's JSON events as line
// mode prints them, bob's devices played by real e2e::DeviceSessions, and a controller logged in as
// "client".
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <deque>
#include <mutex>

#include "client/chat_controller.h"
#include "client/event_format.h"
#include "common/files.h"
#include "crypto/sha256.h"
#include "e2e/device_trust.h"
#include "e2e/envelope.h"
#include "pki/ca_directory.h"
#include "scripted_server.h"
#include "testing/test_pki.h"

namespace sc::test {

using namespace std::chrono_literals;
using client::ChatController;
using client::Outcome;
using nlohmann::json;
namespace msg = proto::msg;

struct JsonRecorder : client::ChatListener {
    void notify(const client::Notification& n) override {
        events.push_back(json::parse(client::json_line(n, client::FormatContext{})));
    }
    std::string names() const {
        std::string out;
        for (const auto& e : events) {
            out += (out.empty() ? "" : " ") + e["event"].get<std::string>();
        }
        return out;
    }
    std::vector<json> all(const std::string& name) const {
        std::vector<json> out;
        for (const auto& e : events) {
            if (e["event"] == name) {
                out.push_back(e);
            }
        }
        return out;
    }
    std::vector<json> events;
};

inline std::uint64_t now_ms() {
    return proto::unix_millis(std::chrono::system_clock::now());
}

// One of bob's devices, as the script plays it: its certificate, key and e2e state.
struct PeerDevice {
    Leaf leaf;
    proto::SystemEntropy entropy;
    std::optional<e2e::DeviceSessions> sessions;
    msg::PublishPrekeys published;

    PeerDevice(Leaf l, const std::filesystem::path& state, const proto::Trust& trust)
        : leaf(std::move(l)) {
        auto self = e2e::verify_device(leaf.cert.to_der(), "bob", trust, now_ms());
        if (!self) {
            throw std::runtime_error(self.error().message);
        }
        auto opened = e2e::DeviceSessions::open(state, std::move(self).value(), leaf.key, entropy);
        if (!opened) {
            throw std::runtime_error(opened.error().message);
        }
        sessions.emplace(std::move(opened).value());
        published = *sessions->prekeys_to_publish(msg::PrekeyStatus{}, now_ms()).value();
    }
    std::string fp() const { return leaf.cert.fingerprint().hex(); }
    // A bundle as an honest server hands it out: one one-time prekey each time.
    msg::KeyBundle bundle(std::uint64_t id, std::size_t otk) const {
        const auto& one = published.one_time.at(otk);
        return msg::KeyBundle{.id = id,
                              .user = "bob",
                              .device = fp(),
                              .cert = leaf.cert.to_der(),
                              .spk_id = published.spk_id,
                              .spk = published.spk,
                              .spk_ts = published.spk_ts,
                              .spk_sig = published.spk_sig,
                              .otk_id = one.key_id,
                              .otk = one.key,
                              .otk_ts = one.ts,
                              .otk_sig = one.sig};
    }
};

class ChatControllerE2e : public ::testing::Test {
  protected:
    ChatControllerE2e() : ca(tmp / "ca") {
        auto authority = pki::load_ca(pki::CaLayout(ca.dir));
        if (!authority) {
            throw std::runtime_error(authority.error().message);
        }
        auto device = [&](const std::string& user, const std::string& name) {
            LeafSpec spec;
            spec.profile = pki::Profile::client;
            spec.name = user;
            spec.sans = {"URI:urn:securechat:device:" + name};
            return issue(*authority, spec);
        };
        laptop.emplace(device("bob", "laptop"), tmp / "bob-laptop.state", ca.trust());
        replaced.emplace(device("bob", "laptop"), tmp / "bob-laptop-2.state", ca.trust());
    }
    ~ChatControllerE2e() override { controller.reset(); }

    void start(Script script) {
        server.emplace(ca, std::move(script), proto::Role::user,
                       ScriptedBehaviour{.answer_prekeys = false});
        client::ClientSettings s;
        s.server = {"127.0.0.1", server->port()};
        s.server_name = "server";
        s.ca = ca.dir / "ca.crt";
        s.cert = ca.dir / "client.crt";
        s.key = ca.dir / "client.key";
        s.data_dir = tmp / "client-data";
        s.timeout = 5s;
        auto credentials = client::load_credentials(s);
        ASSERT_TRUE(credentials) << credentials.error().message;
        own_fp = credentials->identity.chain.front().fingerprint().hex();
        controller = std::make_unique<ChatController>(io, s, *credentials, recorder);
    }

    using Step = std::function<void(ChatController&, ChatController::Completion)>;
    // Logs in as "client", runs `steps` one after another, then quits; each step's outcome
    // code ("" for ok).
    std::vector<std::string> run(std::vector<Step> steps) {
        bool finished = false;
        std::vector<std::string> outcomes;
        auto queue = std::make_shared<std::deque<Step>>(steps.begin(), steps.end());
        std::function<void()> next = [&, queue] {
            if (queue->empty() || controller->state() != ChatController::State::chatting) {
                controller->quit([&](const Outcome&) { finished = true; });
                return;
            }
            auto step = std::move(queue->front());
            queue->pop_front();
            step(*controller, [&](const Outcome& outcome) {
                outcomes.push_back(outcome ? "" : outcome.error().code);
                next();
            });
        };
        controller->login("client", crypto::SecretBytes(as_bytes("a password")),
                          [&](const Outcome& login) {
                              EXPECT_TRUE(login);
                              if (login) {
                                  next();
                              } else {
                                  finished = true;
                              }
                          });
        asio::steady_timer limit(io, 30s);
        limit.async_wait([&](const asio::error_code& ec) {
            if (!ec) {
                ADD_FAILURE() << "timed out; events: " << recorder.names();
                io.stop();
            }
        });
        while (!finished && !io.stopped()) {
            io.run_one();
        }
        return outcomes;
    }

    static Step msg_to(std::string user, std::string text) {
        return [user, text](ChatController& c, ChatController::Completion done) {
            c.send_to(user, text, std::move(done));
        };
    }
    static Step trust(std::string user, std::string device) {
        return [user, device](ChatController& c, ChatController::Completion done) {
            c.trust_device(user, device, std::move(done));
        };
    }
    static Step devices(std::string user) {
        return [user](ChatController& c, ChatController::Completion done) {
            c.list_devices(user, std::move(done));
        };
    }

    // The client's own device as bob's device sees it.
    e2e::VerifiedDevice client_device() const {
        return e2e::verify_device(ca.client("client").chain.front().to_der(), "client", ca.trust(),
                                  now_ms())
            .value();
    }

    TempDir tmp;
    TestCa ca;
    std::optional<PeerDevice> laptop, replaced;
    std::string own_fp;
    std::optional<ScriptedServer> server;
    asio::io_context io;
    JsonRecorder recorder;
    std::unique_ptr<ChatController> controller;
};

inline msg::DeviceList device_list(std::uint64_t id, const std::string& user,
                                   std::vector<msg::DeviceEntry> devices) {
    return msg::DeviceList{.id = id, .user = user, .devices = std::move(devices)};
}

// Answers what every script answers the same way: prekeys (status), and our own device list.
inline std::optional<proto::Output> routine(proto::ServerSession& s, const msg::Request& r,
                                            const std::string& own_fp) {
    auto id = msg::request_id(r);
    if (std::holds_alternative<msg::Received>(r)) {
        return answer_ok(s, r);
    }
    if (std::holds_alternative<msg::PublishPrekeys>(r)) {
        return s.answer(
            msg::PrekeyStatus{.id = id, .spk_id = 1, .spk_ts = 1, .one_time_left = 100});
    }
    if (const auto* d = std::get_if<msg::ListDevices>(&r); d && d->user == "client") {
        return s.answer(device_list(id, "client", {{own_fp, "default"}}));
    }
    return std::nullopt;
}

// The server's `stored` answer to `relay` from the device `from_fp`, signed (§10.6) with the
// test CA's server key, or with one byte of the signature changed when `good` is false.
inline proto::Output answer_stored(proto::ServerSession& s, const TestCa& ca,
                                   const msg::Relay& relay, const std::string& from_fp,
                                   std::uint64_t held, std::uint64_t ts, std::uint64_t expires,
                                   bool good = true) {
    auto digest = crypto::sha256(relay.body);
    e2e::StoredStatement statement{*Fingerprint::from_hex(from_fp),
                                   *Fingerprint::from_hex(relay.device),
                                   *MessageId::from_view(relay.mid),
                                   Bytes(digest.begin(), digest.end()),
                                   held,
                                   ts,
                                   expires};
    auto sig =
        ca.client("server").key->sign(e2e::stored_signed(e2e::encode_stored(statement))).value();
    if (!good) {
        sig[sig.size() / 2] ^= 0x01;
    }
    return s.answer(msg::Stored{
        .id = relay.id, .held = held, .ts = ts, .expires = expires, .sig = std::move(sig)});
}

}  // namespace sc::test

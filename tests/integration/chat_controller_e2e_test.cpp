// The client's end-to-end layer (client/e2e_messaging.h) against a server whose part the test
// plays (scripted_server.h): the script answers `devices`, `bundle` and `send` and pushes
// envelopes made by a real e2e::DeviceSessions of bob's device, on the server thread. What the
// client does with each is checked through the JSON events line mode would print, and by bob's
// device opening what the client sealed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <deque>
#include <mutex>

#include "client/chat_controller.h"
#include "client/event_format.h"
#include "common/files.h"
#include "e2e/device_trust.h"
#include "pki/ca_directory.h"
#include "scripted_server.h"
#include "testing/test_pki.h"

namespace sc::test {
namespace {

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

std::uint64_t now_ms() {
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

msg::DeviceList device_list(std::uint64_t id, const std::string& user,
                            std::vector<msg::DeviceEntry> devices) {
    return msg::DeviceList{.id = id, .user = user, .devices = std::move(devices)};
}

// Answers what every script answers the same way: prekeys (status), and our own device list.
std::optional<proto::Output> routine(proto::ServerSession& s, const msg::Request& r,
                                     const std::string& own_fp) {
    auto id = msg::request_id(r);
    if (std::holds_alternative<msg::PublishPrekeys>(r)) {
        return s.answer(
            msg::PrekeyStatus{.id = id, .spk_id = 1, .spk_ts = 1, .one_time_left = 100});
    }
    if (const auto* d = std::get_if<msg::ListDevices>(&r); d && d->user == "client") {
        return s.answer(device_list(id, "client", {{own_fp, "default"}}));
    }
    return std::nullopt;
}

TEST_F(ChatControllerE2e, AMessageIsSealedForBobsDeviceRelayedAndItsDeliveredStatementReported) {
    std::vector<std::string> opened;  // what bob's laptop read (server thread, read after log())
    start([&](proto::ServerSession& s, const msg::Request& r) -> proto::Output {
        if (auto out = routine(s, r, own_fp)) {
            return std::move(*out);
        }
        auto id = msg::request_id(r);
        if (std::holds_alternative<msg::ListDevices>(r)) {
            return s.answer(device_list(id, "bob", {{laptop->fp(), "laptop"}}));
        }
        if (std::holds_alternative<msg::FetchBundle>(r)) {
            return s.answer(laptop->bundle(id, 0));
        }
        const auto& relay = std::get<msg::Relay>(r);
        auto out = answer_ok(s, r);
        auto parsed = e2e::parse_envelope(relay.body).value();
        auto message = laptop->sessions->open(parsed, client_device(), now_ms());
        if (!message) {
            opened.push_back("refused: " + message.error().message);
            return out;
        }
        opened.push_back(message.value().text);
        auto delivered = laptop->sessions->make_delivered(message.value(), now_ms()).value();
        out.append(s.push(msg::Envelope{.from = "bob",
                                        .device = laptop->fp(),
                                        .mid = relay.mid,
                                        .held = 1,
                                        .ts = now_ms(),
                                        .body = delivered}));
        return out;
    });
    auto outcomes = run({msg_to("bob", "hello bob"), msg_to("bob", "second"), devices("bob")});
    EXPECT_EQ(outcomes, (std::vector<std::string>{"", "", ""})) << recorder.names();
    server->log();
    EXPECT_EQ(opened, (std::vector<std::string>{"hello bob", "second"}));

    auto relayed = recorder.all("relayed");
    ASSERT_EQ(relayed.size(), 2u) << recorder.names();
    EXPECT_EQ(relayed[0]["status"], "relayed");
    EXPECT_EQ(relayed[0]["device"], "laptop");
    EXPECT_EQ(relayed[0]["fingerprint"], laptop->fp());
    auto sent = recorder.all("sent");
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0]["to"], "bob");
    EXPECT_EQ(sent[0]["devices"], 1);
    EXPECT_EQ(sent[1]["seqno"], sent[0]["seqno"].get<std::uint64_t>() + 1);
    auto delivered = recorder.all("delivered");
    ASSERT_EQ(delivered.size(), 2u) << recorder.names();
    EXPECT_EQ(delivered[0]["to"], "bob");
    EXPECT_EQ(delivered[0]["device"], "laptop");
    EXPECT_EQ(delivered[0]["mid"], sent[0]["mid"]);
    EXPECT_EQ(delivered[1]["seqno"], sent[1]["seqno"]);
    // The first contact was pinned silently.
    EXPECT_TRUE(recorder.all("warning").empty()) << recorder.names();
    auto listed = recorder.all("devices");
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0]["devices"][0]["state"], "trusted");
    EXPECT_EQ(listed[0]["devices"][0]["fingerprint"], laptop->fp());
    EXPECT_NE(listed[0]["devices"][0]["first_seen"], 0);
}

TEST_F(ChatControllerE2e, AChangedCertificateIsHeldWithAWarningUntilTrusted) {
    int bob_lists = 0;
    std::vector<std::string> opened_by_replaced;
    start([&](proto::ServerSession& s, const msg::Request& r) -> proto::Output {
        if (auto out = routine(s, r, own_fp)) {
            return std::move(*out);
        }
        auto id = msg::request_id(r);
        // From the second `devices bob` on, bob's "laptop" has another certificate.
        PeerDevice& now = bob_lists > 1 ? *replaced : *laptop;
        if (std::holds_alternative<msg::ListDevices>(r)) {
            ++bob_lists;
            PeerDevice& listed = bob_lists > 1 ? *replaced : *laptop;
            return s.answer(device_list(id, "bob", {{listed.fp(), "laptop"}}));
        }
        if (std::holds_alternative<msg::FetchBundle>(r)) {
            return s.answer(now.bundle(id, static_cast<std::size_t>(bob_lists)));
        }
        const auto& relay = std::get<msg::Relay>(r);
        if (relay.device == replaced->fp()) {
            auto parsed = e2e::parse_envelope(relay.body).value();
            auto m = replaced->sessions->open(parsed, client_device(), now_ms());
            opened_by_replaced.push_back(m ? m.value().text : "refused");
        }
        return answer_ok(s, r);
    });
    auto outcomes = run({msg_to("bob", "one"), msg_to("bob", "two"), trust("bob", "laptop"),
                         msg_to("bob", "three")});
    server->log();
    ASSERT_EQ(outcomes.size(), 4u) << recorder.names();
    EXPECT_EQ(outcomes[0], "");
    EXPECT_NE(outcomes[1], "");  // bob's only device is held: nothing was delivered
    EXPECT_EQ(outcomes[2], "");
    EXPECT_EQ(outcomes[3], "");
    auto warnings = recorder.all("warning");
    ASSERT_EQ(warnings.size(), 1u) << recorder.names();
    EXPECT_EQ(warnings[0]["code"], "device_changed");
    EXPECT_EQ(warnings[0]["user"], "bob");
    EXPECT_EQ(warnings[0]["device"], "laptop");
    EXPECT_EQ(warnings[0]["old_fingerprint"], laptop->fp());
    EXPECT_EQ(warnings[0]["fingerprint"], replaced->fp());
    bool named = false;
    for (const auto& e : recorder.all("error")) {
        named = named || (e["code"] == "device_changed" &&
                          e["message"].get<std::string>().find("laptop") != std::string::npos);
    }
    EXPECT_TRUE(named) << recorder.names();
    // Only after /trust did the new certificate get anything.
    EXPECT_EQ(opened_by_replaced, (std::vector<std::string>{"three"}));
    // The warning is in the conversation's record.
    auto record = read_file(tmp / "client-data" / "e2e" / own_fp / "conversations" / "bob.jsonl");
    ASSERT_TRUE(record);
    EXPECT_NE(record->find("\"device_changed\""), std::string::npos);
}

TEST_F(ChatControllerE2e, AnEnvelopeFromBobIsShownOnceAndAnsweredWithADeliveredStatement) {
    std::optional<msg::PublishPrekeys> client_keys;
    std::vector<std::string> checked;  // bob's checks of the client's delivered statements
    std::optional<e2e::SealedEnvelope> sealed;
    std::uint64_t sealed_seq = 0;
    start([&](proto::ServerSession& s, const msg::Request& r) -> proto::Output {
        auto id = msg::request_id(r);
        if (const auto* keys = std::get_if<msg::PublishPrekeys>(&r)) {
            if (keys->spk_id != 0) {
                client_keys = *keys;
                return s.answer(msg::PrekeyStatus{.id = id,
                                                  .spk_id = keys->spk_id,
                                                  .spk_ts = keys->spk_ts,
                                                  .one_time_left = keys->one_time.size()});
            }
            return s.answer(msg::PrekeyStatus{.id = id});
        }
        if (std::holds_alternative<msg::ListDevices>(r)) {
            // /devices bob: the answer, then bob's message twice (a replay by the server).
            auto out = s.answer(device_list(id, "bob", {{laptop->fp(), "laptop"}}));
            if (!client_keys || sealed) {  // once the client has published its prekeys
                return out;
            }
            const auto& one = client_keys->one_time.at(0);
            auto bundle = e2e::verify_bundle(msg::KeyBundle{.user = "client",
                                                            .device = client_device().fp.hex(),
                                                            .cert = client_device().cert_der,
                                                            .spk_id = client_keys->spk_id,
                                                            .spk = client_keys->spk,
                                                            .spk_ts = client_keys->spk_ts,
                                                            .spk_sig = client_keys->spk_sig,
                                                            .otk_id = one.key_id,
                                                            .otk = one.key,
                                                            .otk_ts = one.ts,
                                                            .otk_sig = one.sig},
                                             "client", ca.trust(), now_ms());
            auto conv = e2e::Conversation::between("bob", "client").value();
            e2e::OutgoingMessage m{conv, *MessageId::from_view(Bytes(16, 7)),
                                   laptop->sessions->next_seq(conv), now_ms(), "hi from bob"};
            sealed = laptop->sessions->seal(bundle.value().device, &bundle.value(), m).value();
            sealed_seq = m.seq;
            msg::Envelope push{.from = "bob",
                               .device = laptop->fp(),
                               .mid = Bytes(16, 7),
                               .held = 1,
                               .ts = now_ms(),
                               .body = sealed->body};
            out.append(s.push(push));
            out.append(s.push(push));
            return out;
        }
        const auto& relay = std::get<msg::Relay>(r);
        auto parsed = e2e::parse_envelope(relay.body);
        if (parsed && sealed) {
            auto d = laptop->sessions->check_delivered(
                parsed.value(), client_device(),
                e2e::SentCopy{sealed->envelope_sha256, *MessageId::from_view(Bytes(16, 7)),
                              sealed_seq});
            checked.push_back(d ? "ok" : "bad: " + d.error().message);
        }
        return answer_ok(s, r);
    });
    auto outcomes = run({devices("bob"), devices("bob"), devices("bob")});
    server->log();
    EXPECT_EQ(outcomes, (std::vector<std::string>{"", "", ""})) << recorder.names();
    auto messages = recorder.all("message");
    ASSERT_EQ(messages.size(), 1u) << recorder.names();
    EXPECT_EQ(messages[0]["from"], "bob");
    EXPECT_EQ(messages[0]["device"], "laptop");
    EXPECT_EQ(messages[0]["conversation"], "bob");
    EXPECT_EQ(messages[0]["text"], "hi from bob");
    EXPECT_EQ(messages[0]["fingerprint"], laptop->fp());
    auto warnings = recorder.all("warning");
    ASSERT_GE(warnings.size(), 1u) << recorder.names();
    EXPECT_EQ(warnings[0]["code"], "replayed");
    EXPECT_EQ(checked, (std::vector<std::string>{"ok"}));
}

}  // namespace
}  // namespace sc::test

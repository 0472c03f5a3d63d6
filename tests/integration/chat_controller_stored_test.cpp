// Nothing lost, the client's half (issue 12): the server's signed `stored` answers, checked with
// the certificate of the handshake; quota refusals; expiry from the signed `expires`; the
// recipient's `received`, sent only once the message is durable, and duplicates (a redelivery
// in a later session is silent, a second push in one session is warned about). The server is
// scripted (scripted_server.h) and signs with the test CA's server key.
#include "chat_e2e_fixture.h"
#include "client/history_store.h"

#include <thread>

namespace sc::test {
namespace {

class ChatControllerStored : public ChatControllerE2e {
  protected:
    std::filesystem::path device_dir() const { return tmp / "client-data" / "e2e" / own_fp; }
    std::string transcript(const std::string& peer) const {
        auto text = read_file(device_dir() / "conversations" / (peer + ".jsonl"));
        return text ? text.value() : std::string();
    }
    std::vector<json> transcript_lines(const std::string& peer, const std::string& kind) const {
        std::vector<json> out;
        auto text = transcript(peer);
        for (std::size_t at = 0; at < text.size();) {
            auto end = text.find('\n', at);
            auto line = json::parse(text.substr(at, end - at));
            if (line.value("line", "") == kind) {
                out.push_back(line);
            }
            at = end == std::string::npos ? text.size() : end + 1;
        }
        return out;
    }
    // A step that waits (bounded) until the client told an `event`.
    Step wait_for(std::string event) {
        return [this, event](ChatController&, ChatController::Completion done) {
            auto timer = std::make_shared<asio::steady_timer>(io);
            auto deadline = std::chrono::steady_clock::now() + 10s;
            auto poll = std::make_shared<std::function<void()>>();
            *poll = [this, event, timer, deadline, done, poll] {
                if (!recorder.all(event).empty() || std::chrono::steady_clock::now() > deadline) {
                    done(Outcome{});
                    *poll = nullptr;  // breaks the cycle
                    return;
                }
                timer->expires_after(20ms);
                timer->async_wait([poll](const asio::error_code&) {
                    if (*poll) {
                        (*poll)();
                    }
                });
            };
            (*poll)();
        };
    }
    // Answers for a send to bob's laptop: bundles, device lists, and `send` with `answer`.
    Script send_script(
        std::function<proto::Output(proto::ServerSession&, const msg::Relay&)> answer) {
        return [this, answer](proto::ServerSession& s, const msg::Request& r) -> proto::Output {
            if (auto out = routine(s, r, own_fp)) {
                return std::move(*out);
            }
            auto id = msg::request_id(r);
            if (std::holds_alternative<msg::ListDevices>(r)) {
                return s.answer(device_list(id, "bob", {{laptop->fp(), "laptop"}}));
            }
            if (std::holds_alternative<msg::FetchBundle>(r)) {
                return s.answer(laptop->bundle(id, bundles++));
            }
            return answer(s, std::get<msg::Relay>(r));
        };
    }
    std::size_t bundles = 0;
};

TEST_F(ChatControllerStored, AStoredStatementSignedByTheServerIsReportedAndKept) {
    std::uint64_t expires = 0;
    start(send_script([&](proto::ServerSession& s, const msg::Relay& relay) {
        auto ts = now_ms();
        expires = ts + 3'600'000;
        return answer_stored(s, ca, relay, own_fp, 7, ts, expires);
    }));
    auto outcomes = run({msg_to("bob", "kept for you")});
    server->log();
    EXPECT_EQ(outcomes, (std::vector<std::string>{""})) << recorder.names();
    auto stored = recorder.all("stored");
    ASSERT_EQ(stored.size(), 1u) << recorder.names();
    auto sent = recorder.all("sent");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(stored[0]["to"], "bob");
    EXPECT_EQ(stored[0]["device"], "laptop");
    EXPECT_EQ(stored[0]["fingerprint"], laptop->fp());
    EXPECT_EQ(stored[0]["seqno"], sent[0]["seqno"]);
    EXPECT_EQ(stored[0]["mid"], sent[0]["mid"]);
    EXPECT_EQ(stored[0]["expires"], expires);
    EXPECT_EQ(recorder.all("relayed").at(0)["status"], "stored");
    // The transcript holds the statement with the server's certificate; the history the state.
    auto lines = transcript_lines("bob", "stored");
    ASSERT_EQ(lines.size(), 1u) << transcript("bob");
    EXPECT_EQ(lines[0]["held"], 7);
    EXPECT_EQ(lines[0]["expires"], expires);
    EXPECT_FALSE(lines[0]["server_cert"].get<std::string>().empty());
    EXPECT_EQ(transcript_lines("bob", "sent").size(), 1u);
    auto history = client::HistoryStore::open(device_dir() / "history.db");
    ASSERT_TRUE(history);
    auto copy = history.value()->copy(sent[0]["mid"], laptop->fp()).value();
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->state, client::CopyState::stored);
    EXPECT_EQ(copy->expires, expires);
}

TEST_F(ChatControllerStored, AStoredStatementThatDoesNotVerifyIsRefusedAndNotMarkedStored) {
    start(send_script([&](proto::ServerSession& s, const msg::Relay& relay) {
        auto ts = now_ms();
        return answer_stored(s, ca, relay, own_fp, 7, ts, ts + 3'600'000, false);
    }));
    auto outcomes = run({msg_to("bob", "lied about")});
    server->log();
    EXPECT_EQ(outcomes, (std::vector<std::string>{"bad_stored_statement"})) << recorder.names();
    EXPECT_TRUE(recorder.all("stored").empty()) << recorder.names();
    bool told = false;
    for (const auto& e : recorder.all("error")) {
        told = told || (e["code"] == "bad_stored_statement" &&
                        e["message"].get<std::string>().find("laptop") != std::string::npos);
    }
    EXPECT_TRUE(told) << recorder.names();
    EXPECT_TRUE(transcript_lines("bob", "stored").empty());
    EXPECT_EQ(transcript_lines("bob", "warning").at(0)["code"], "bad_stored_statement");
    auto history = client::HistoryStore::open(device_dir() / "history.db");
    auto copy = history.value()->copy(recorder.all("relayed").at(0)["mid"], laptop->fp()).value();
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->state, client::CopyState::sent);
}

TEST_F(ChatControllerStored, AQuotaRefusalIsAnErrorNamingTheRecipientDevice) {
    start(send_script([&](proto::ServerSession& s, const msg::Relay& relay) {
        return s.answer(msg::Result{
            .id = relay.id, .code = proto::ErrorCode::quota_exceeded, .message = "too many held"});
    }));
    auto outcomes = run({msg_to("bob", "one too many")});
    server->log();
    EXPECT_EQ(outcomes, (std::vector<std::string>{"quota_exceeded"})) << recorder.names();
    bool named = false;
    for (const auto& e : recorder.all("error")) {
        const auto text = e["message"].get<std::string>();
        named = named || (e["code"] == "quota_exceeded" && text.find("bob") != std::string::npos &&
                          text.find("laptop") != std::string::npos);
    }
    EXPECT_TRUE(named) << recorder.names();
    EXPECT_TRUE(recorder.all("stored").empty());
}

TEST_F(ChatControllerStored, AStoredCopyWhoseExpiryPassesUndeliveredIsReportedWhileRunning) {
    start(send_script([&](proto::ServerSession& s, const msg::Relay& relay) {
        auto ts = now_ms();
        return answer_stored(s, ca, relay, own_fp, 3, ts, ts + 200);
    }));
    auto outcomes = run({msg_to("bob", "soon gone"), wait_for("expired")});
    server->log();
    EXPECT_EQ(outcomes, (std::vector<std::string>{"", ""})) << recorder.names();
    auto expired = recorder.all("expired");
    ASSERT_EQ(expired.size(), 1u) << recorder.names();
    EXPECT_EQ(expired[0]["to"], "bob");
    EXPECT_EQ(expired[0]["device"], "laptop");
    EXPECT_EQ(expired[0]["seqno"], recorder.all("sent").at(0)["seqno"]);
    EXPECT_EQ(expired[0]["mid"], recorder.all("sent").at(0)["mid"]);
    auto lines = transcript_lines("bob", "expired");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0]["mid"], expired[0]["mid"]);
}

TEST_F(ChatControllerStored, ACopyThatExpiredWhileTheClientWasAwayIsReportedAtTheNextLogin) {
    start(send_script([&](proto::ServerSession& s, const msg::Relay& relay) {
        auto ts = now_ms();
        return answer_stored(s, ca, relay, own_fp, 3, ts, ts + 3'600'000);
    }));
    ASSERT_EQ(run({msg_to("bob", "while away")}), (std::vector<std::string>{""}));
    server->log();
    ASSERT_TRUE(recorder.all("expired").empty());
    const auto mid = recorder.all("sent").at(0)["mid"].get<std::string>();
    controller.reset();
    {
        // The hour passes while the client is not running: its history says when.
        auto history = client::HistoryStore::open(device_dir() / "history.db");
        ASSERT_TRUE(history.value()->mark_stored(mid, laptop->fp(), 3, 1, now_ms() - 1));
    }
    recorder.events.clear();
    start(send_script(
        [&](proto::ServerSession& s, const msg::Relay& relay) { return answer_ok(s, relay); }));
    ASSERT_EQ(run({wait_for("expired")}), (std::vector<std::string>{""}));
    server->log();
    auto expired = recorder.all("expired");
    ASSERT_EQ(expired.size(), 1u) << recorder.names();
    EXPECT_EQ(expired[0]["mid"], mid);
}

// Bob's laptop writes to the client once the client's prekeys are published; the script
// pushes that envelope at the client's first `devices bob` of each session, `pushes` times.
class ChatControllerReceived : public ChatControllerStored {
  protected:
    Script bob_writes(int pushes, std::uint64_t held) {
        return [this, pushes, held](proto::ServerSession& s,
                                    const msg::Request& r) -> proto::Output {
            auto id = msg::request_id(r);
            if (const auto* keys = std::get_if<msg::PublishPrekeys>(&r)) {
                if (keys->spk_id != 0) {
                    client_keys = *keys;
                    return s.answer(msg::PrekeyStatus{.id = id,
                                                      .spk_id = keys->spk_id,
                                                      .spk_ts = keys->spk_ts,
                                                      .one_time_left = keys->one_time.size()});
                }
                if (client_keys) {  // a later session: what it published before
                    return s.answer(msg::PrekeyStatus{.id = id,
                                                      .spk_id = client_keys->spk_id,
                                                      .spk_ts = client_keys->spk_ts,
                                                      .one_time_left = 100});
                }
                return s.answer(msg::PrekeyStatus{.id = id});
            }
            if (const auto* received = std::get_if<msg::Received>(&r)) {
                std::lock_guard lock(mutex);
                acknowledged.insert(acknowledged.end(), received->held.begin(),
                                    received->held.end());
                // What the client says it holds must be on its disk now.
                auto history = client::HistoryStore::open(device_dir() / "history.db");
                durable_at_received.push_back(
                    history && history.value()->has(to_hex(Bytes(16, 7)), laptop->fp()).value() &&
                    transcript("bob").find("\"line\":\"received\"") != std::string::npos);
                return answer_ok(s, r);
            }
            if (std::holds_alternative<msg::ListDevices>(r)) {
                auto out = s.answer(device_list(id, "bob", {{laptop->fp(), "laptop"}}));
                if (!client_keys || pushed_this_session) {
                    return out;
                }
                pushed_this_session = true;
                if (!sealed) {
                    seal_for_client();
                }
                msg::Envelope push{.from = "bob",
                                   .device = laptop->fp(),
                                   .mid = Bytes(16, 7),
                                   .held = held,
                                   .ts = now_ms(),
                                   .body = sealed->body};
                for (int i = 0; i < pushes; ++i) {
                    out.append(s.push(push));
                }
                return out;
            }
            return answer_ok(s, r);  // the delivered statement's send
        };
    }
    void seal_for_client() {
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
                               laptop->sessions->next_seq(conv), now_ms(), "kept for later"};
        sealed = laptop->sessions->seal(bundle.value().device, &bundle.value(), m).value();
    }
    std::optional<msg::PublishPrekeys> client_keys;
    std::optional<e2e::SealedEnvelope> sealed;
    bool pushed_this_session = false;
    std::mutex mutex;
    std::vector<std::uint64_t> acknowledged;
    std::vector<bool> durable_at_received;
};

TEST_F(ChatControllerReceived, ReceivedIsSentForTheHeldIdOnlyOnceTheMessageIsDurable) {
    start(bob_writes(1, 42));
    // The second `devices bob` is answered after the push and the client's `received`.
    auto outcomes = run({devices("bob"), devices("bob"), devices("bob")});
    server->log();
    EXPECT_EQ(outcomes, (std::vector<std::string>{"", "", ""})) << recorder.names();
    ASSERT_EQ(recorder.all("message").size(), 1u) << recorder.names();
    EXPECT_EQ(acknowledged, (std::vector<std::uint64_t>{42}));
    EXPECT_EQ(durable_at_received, (std::vector<bool>{true}));
    auto lines = transcript_lines("bob", "received");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0]["from"], "bob");
    EXPECT_EQ(lines[0]["device"], laptop->fp());
}

TEST_F(ChatControllerReceived, ARedeliveryInALaterSessionIsDroppedSilentlyAndAcknowledgedAgain) {
    start(bob_writes(1, 5));
    ASSERT_EQ(run({devices("bob"), devices("bob"), devices("bob")}),
              (std::vector<std::string>{"", "", ""}));
    server->log();
    ASSERT_EQ(recorder.all("message").size(), 1u) << recorder.names();
    // The server lost our `received` (say it was restarted): the next session gets it again.
    controller.reset();
    recorder.events.clear();
    pushed_this_session = false;
    start(bob_writes(1, 5));
    ASSERT_EQ(run({devices("bob"), devices("bob"), devices("bob")}),
              (std::vector<std::string>{"", "", ""}));
    server->log();
    EXPECT_TRUE(recorder.all("message").empty()) << recorder.names();
    EXPECT_TRUE(recorder.all("warning").empty()) << recorder.names();
    EXPECT_TRUE(recorder.all("error").empty()) << recorder.names();
    EXPECT_EQ(acknowledged, (std::vector<std::uint64_t>{5, 5}));
    EXPECT_EQ(transcript_lines("bob", "received").size(), 1u);  // kept once
}

TEST_F(ChatControllerReceived, ASecondPushInTheSameSessionIsWarnedAboutAndDropped) {
    start(bob_writes(2, 9));
    ASSERT_EQ(run({devices("bob"), devices("bob"), devices("bob")}),
              (std::vector<std::string>{"", "", ""}));
    server->log();
    EXPECT_EQ(recorder.all("message").size(), 1u) << recorder.names();
    auto warnings = recorder.all("warning");
    ASSERT_EQ(warnings.size(), 1u) << recorder.names();
    EXPECT_EQ(warnings[0]["code"], "replayed");
    // Both pushes carry one held id: acknowledged (once per read that brought it).
    ASSERT_FALSE(acknowledged.empty());
    for (auto held : acknowledged) {
        EXPECT_EQ(held, 9u);
    }
    EXPECT_EQ(transcript_lines("bob", "received").size(), 1u);
}

// Issue 12 item 5: the delivered statement is kept with the message until the server has
// stored it. Refused (the database was down, say) or never answered, it is sent again at the
// next login, once; stored, it is not sent again.
TEST_F(ChatControllerReceived, ADeliveredStatementTheServerDidNotStoreIsSentAgainAtTheNextLogin) {
    std::vector<Bytes> relayed;
    bool refuse_relays = true;
    auto with_relays = [&](Script inner) -> Script {
        return [&, inner](proto::ServerSession& s, const msg::Request& r) -> proto::Output {
            if (const auto* relay = std::get_if<msg::Relay>(&r)) {
                relayed.push_back(relay->body);
                if (refuse_relays) {
                    return s.answer(msg::Result{.id = relay->id,
                                                .code = proto::ErrorCode::unavailable,
                                                .message = "the database is down"});
                }
                return answer_ok(s, r);
            }
            return inner(s, r);
        };
    };
    start(with_relays(bob_writes(1, 3)));
    ASSERT_EQ(run({devices("bob"), devices("bob"), devices("bob")}),
              (std::vector<std::string>{"", "", ""}));
    server->log();
    ASSERT_EQ(recorder.all("message").size(), 1u) << recorder.names();
    ASSERT_EQ(relayed.size(), 1u);
    auto history = client::HistoryStore::open(device_dir() / "history.db");
    ASSERT_TRUE(history);
    ASSERT_EQ(history.value()->pending_delivered(10).value().size(), 1u);  // kept, not lost
    history.value().reset();

    // The next session brings no message: the statement goes again, and this time is stored.
    controller.reset();
    pushed_this_session = true;
    refuse_relays = false;
    start(with_relays(bob_writes(0, 3)));
    ASSERT_EQ(run({devices("bob")}), (std::vector<std::string>{""}));
    server->log();
    ASSERT_EQ(relayed.size(), 2u);
    EXPECT_EQ(relayed[1], relayed[0]);  // the same signed statement
    auto parsed = e2e::parse_delivered_envelope(relayed[1]);
    ASSERT_TRUE(parsed) << parsed.error().message;

    // Stored: a third session sends nothing more.
    controller.reset();
    start(with_relays(bob_writes(0, 3)));
    ASSERT_EQ(run({devices("bob")}), (std::vector<std::string>{""}));
    server->log();
    EXPECT_EQ(relayed.size(), 2u);
    history = client::HistoryStore::open(device_dir() / "history.db");
    EXPECT_TRUE(history.value()->pending_delivered(10).value().empty());
}

}  // namespace
}  // namespace sc::test

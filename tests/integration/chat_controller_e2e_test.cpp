// The client's end-to-end layer (client/e2e_messaging.h) against a server whose part the test
// plays (scripted_server.h): the script answers `devices`, `bundle` and `send` and pushes
// envelopes made by a real e2e::DeviceSessions of bob's device, on the server thread. What the
// client does with each is checked through the JSON events line mode would print, and by bob's
// device opening what the client sealed.
#include "chat_e2e_fixture.h"

namespace sc::test {
namespace {

// The script answers each `send` with `result ok`, not a signed `stored`: every copy also
// brings a warning `unconfirmed` (ChatControllerE2e.AMessageIsSealed... checks it once).
std::vector<json> warnings_but_unconfirmed(const JsonRecorder& recorder) {
    std::vector<json> out;
    for (const auto& w : recorder.all("warning")) {
        if (w["code"] != "unconfirmed") {
            out.push_back(w);
        }
    }
    return out;
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
    EXPECT_EQ(server->log().error, "");
    for (const auto& e : recorder.all("error")) {
        ADD_FAILURE() << e.dump();
    }
    EXPECT_EQ(opened, (std::vector<std::string>{"hello bob", "second"}));

    auto relayed = recorder.all("relayed");
    ASSERT_EQ(relayed.size(), 2u) << recorder.names();
    // The script answers `result ok`, not a signed `stored`: sent, but not marked stored.
    EXPECT_EQ(relayed[0]["status"], "unconfirmed");
    ASSERT_FALSE(recorder.all("warning").empty()) << recorder.names();
    EXPECT_EQ(recorder.all("warning")[0]["code"], "unconfirmed");
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
    EXPECT_TRUE(warnings_but_unconfirmed(recorder).empty()) << recorder.names();
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
    auto warnings = warnings_but_unconfirmed(recorder);
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
        if (std::holds_alternative<msg::Received>(r)) {
            return answer_ok(s, r);
        }
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
    auto warnings = warnings_but_unconfirmed(recorder);
    ASSERT_GE(warnings.size(), 1u) << recorder.names();
    EXPECT_EQ(warnings[0]["code"], "replayed");
    EXPECT_EQ(checked, (std::vector<std::string>{"ok"}));
}

}  // namespace
}  // namespace sc::test

// Attacks on the protocol, each expected to fail with a named error: replay, reorder,
// reflection, tampering with any bit, share substitution by a man in the middle who relays the
// real certificates, a certificate without its key, downgrade of the group offer, and peers with
// expired, revoked or wrong-name certificates.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "harness.h"
#include "proto/wire/framer.h"

namespace sc::proto {
namespace {

using namespace test;
using namespace std::chrono_literals;

std::string payload_of(const Bytes& frame) {
    return std::string(frame.begin() + 4, frame.end());
}

Bytes frame_of(const std::string& payload) {
    return make_frame(payload).wire();
}

std::string type_of(const Bytes& frame) {
    auto j = nlohmann::json::parse(payload_of(frame), nullptr, false);
    return j.is_object() && j.contains("type") ? j["type"].get<std::string>() : "";
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

TEST(Attack, ReplayOfARecordedMessageIsRejected) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("pay 10 to bob"), Side::client);
    Bytes recorded = pair.c2s_frames.back();
    pair.deliver(Output{{recorded}, {}, false}, Side::client);
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "replay:"))
        << pair.server_events.failure();
    EXPECT_EQ(pair.server_events.of<event::MessageReceived>().size(), 1u);
    EXPECT_EQ(pair.client_events.of<event::PeerError>().front().code, "replay");
}

TEST(Attack, ReorderedMessagesAreRejected) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    std::vector<Bytes> held;
    pair.tamper = [&](Side from, Bytes& frame) {
        if (from == Side::client && type_of(frame) == "record" && held.size() < 2) {
            held.push_back(frame);
            return false;
        }
        return true;
    };
    pair.deliver(pair.client->send_text("first"), Side::client);
    pair.deliver(pair.client->send_text("second"), Side::client);
    pair.tamper = nullptr;
    pair.deliver(Output{{held[1], held[0]}, {}, false}, Side::client);
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "out_of_order:"))
        << pair.server_events.failure();
    EXPECT_FALSE(pair.server_events.has<event::MessageReceived>());
}

TEST(Attack, ReflectedRecordIsRejected) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("reflect me"), Side::client);
    // The client's own record, sent back to it as if it came from the server.
    Bytes own = pair.c2s_frames.back();
    auto out = pair.client->receive(own);
    pair.deliver(std::move(out), Side::client);
    auto failure = pair.client_events.failure();
    EXPECT_TRUE(starts_with(failure, "decrypt_failed:") || starts_with(failure, "replay:") ||
                starts_with(failure, "out_of_order:"))
        << failure;
    EXPECT_FALSE(pair.client_events.has<event::MessageReceived>());
}

TEST(Attack, ReflectedRecordWithTheRightSequenceNumberStillFails) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    // Align the sequence numbers so only the direction differs.
    auto expected = pair.client->channel() != nullptr;
    ASSERT_TRUE(expected);
    Bytes own;
    pair.tamper = [&](Side from, Bytes& frame) {
        if (from == Side::client && type_of(frame) == "record") {
            own = frame;
            return false;
        }
        return true;
    };
    pair.deliver(pair.client->send_text("mirror"), Side::client);
    auto j = nlohmann::json::parse(payload_of(own));
    // The client has received as many records from the server as it sent so far (login reply,
    // dh reply); relabel our record with the next sequence number the client expects.
    j["seq"] = pair.s2c_frames.size() - 2;  // server_hello and dh_server were plaintext
    pair.tamper = nullptr;
    pair.deliver(pair.client->receive(frame_of(j.dump())), Side::client);
    EXPECT_TRUE(starts_with(pair.client_events.failure(), "decrypt_failed:"))
        << pair.client_events.failure();
}

// Flips one bit at every byte of every handshake message in turn; the handshake must never
// complete with a changed message.
TEST(Attack, FlippedBitInAnyHandshakeMessageIsDetected) {
    TestPki pki;
    for (std::size_t message = 0; message < 4; ++message) {
        // Find the frame size first.
        Pair probe(pki);
        probe.handshake();
        std::vector<Bytes> order{probe.c2s_frames[0], probe.s2c_frames[0], probe.s2c_frames[1],
                                 probe.c2s_frames[1]};
        std::size_t length = order[message].size();
        for (std::size_t pos = 4; pos < length; pos += 7) {
            Pair pair(pki);
            std::size_t seen = 0;
            pair.tamper = [&](Side, Bytes& frame) {
                if (seen++ == message) {
                    frame[pos] ^= 0x04;
                }
                return true;
            };
            pair.handshake();
            pair.deliver(pair.client->login("alice", crypto::SecretBytes(as_bytes("pw"))),
                         Side::client);
            EXPECT_FALSE(pair.server_events.has<event::ChatReady>())
                << "message " << message << " byte " << pos;
            bool someone_failed =
                !pair.client_events.failure().empty() || !pair.server_events.failure().empty();
            EXPECT_TRUE(someone_failed) << "message " << message << " byte " << pos;
        }
    }
}

// Flips one bit at every byte of records of each inner type (login, dh, msg, ack, receipt).
TEST(Attack, FlippedBitInAnyRecordIsDetected) {
    TestPki pki;
    for (std::size_t target = 0; target < 6; ++target) {
        Pair probe(pki);
        probe.login_and_chat();
        probe.deliver(probe.client->send_text("hello"), Side::client);
        probe.deliver(probe.client->close(), Side::client);
        std::vector<Bytes> records;
        for (const auto& f : probe.c2s_frames) {
            if (type_of(f) == "record") {
                records.push_back(f);
            }
        }
        ASSERT_GE(records.size(), 4u);
        if (target >= records.size()) {
            break;
        }
        for (std::size_t pos = 4; pos < records[target].size(); pos += 3) {
            Pair pair(pki);
            std::size_t seen = 0;
            pair.tamper = [&](Side from, Bytes& frame) {
                if (from == Side::client && type_of(frame) == "record" && seen++ == target) {
                    frame[pos] ^= 0x01;
                }
                return true;
            };
            pair.login_and_chat();
            pair.deliver(pair.client->send_text("hello"), Side::client);
            pair.deliver(pair.client->close(), Side::client);
            EXPECT_FALSE(pair.server_events.failure().empty())
                << "record " << target << " byte " << pos;
            EXPECT_FALSE(pair.server_events.has<event::ReceiptsExchanged>());
        }
    }
}

TEST(Attack, ManInTheMiddleSubstitutingTheServerShareIsDetected) {
    TestPki pki;
    Pair pair(pki);
    auto attacker = crypto::EphemeralKeyPair::generate(crypto::DhGroup::x25519);
    ASSERT_TRUE(attacker);
    pair.tamper = [&](Side from, Bytes& frame) {
        if (from == Side::server && type_of(frame) == "dh_server") {
            auto j = nlohmann::json::parse(payload_of(frame));
            j["share"] = base64_encode(attacker->public_share());  // real certificates, real sig
            frame = frame_of(j.dump());
        }
        return true;
    };
    pair.handshake();
    EXPECT_TRUE(starts_with(pair.client_events.failure(), "bad_handshake_signature:"))
        << pair.client_events.failure();
    EXPECT_FALSE(pair.server_events.has<event::HandshakeDone>());
}

TEST(Attack, ManInTheMiddleSubstitutingTheClientShareIsDetected) {
    TestPki pki;
    Pair pair(pki);
    auto attacker = crypto::EphemeralKeyPair::generate(crypto::DhGroup::x25519);
    ASSERT_TRUE(attacker);
    pair.tamper = [&](Side from, Bytes& frame) {
        if (from == Side::client && type_of(frame) == "dh_client") {
            auto j = nlohmann::json::parse(payload_of(frame));
            j["share"] = base64_encode(attacker->public_share());
            frame = frame_of(j.dump());
        }
        return true;
    };
    pair.handshake();
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "bad_handshake_signature:"))
        << pair.server_events.failure();
}

TEST(Attack, RelayedCertificateWithoutItsKeyIsDetected) {
    // The attacker presents the real server certificate but signs with its own key.
    TestPki pki;
    auto attacker_key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    ASSERT_TRUE(attacker_key);
    auto s = server_config(pki);
    s.identity.key = std::make_shared<const crypto::PrivateKey>(std::move(attacker_key).value());
    Pair pair(client_config(pki), std::move(s));
    pair.handshake();
    EXPECT_TRUE(starts_with(pair.client_events.failure(), "bad_handshake_signature:"))
        << pair.client_events.failure();
}

TEST(Attack, ClientCertificateWithoutItsKeyIsDetected) {
    TestPki pki;
    auto attacker_key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    auto c = client_config(pki);
    c.identity.key = std::make_shared<const crypto::PrivateKey>(std::move(attacker_key).value());
    Pair pair(std::move(c), server_config(pki));
    pair.handshake();
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "bad_handshake_signature:"))
        << pair.server_events.failure();
}

TEST(Attack, DowngradeOfTheGroupOfferIsDetected) {
    TestPki pki;
    auto s = server_config(pki);
    s.groups = {crypto::DhGroup::x25519, crypto::DhGroup::ffdhe3072};
    Pair pair(client_config(pki), std::move(s));
    pair.tamper = [&](Side from, Bytes& frame) {
        if (from == Side::client && type_of(frame) == "hello") {
            auto j = nlohmann::json::parse(payload_of(frame));
            j["groups"] = nlohmann::json::array({"ffdhe3072"});  // strip x25519
            frame = frame_of(j.dump());
        }
        return true;
    };
    pair.handshake();
    EXPECT_TRUE(starts_with(pair.client_events.failure(), "bad_handshake_signature:"))
        << pair.client_events.failure();
}

TEST(Attack, ServerChoosingAGroupNotOfferedIsRefused) {
    TestPki pki;
    auto c = client_config(pki);
    c.groups = {crypto::DhGroup::x25519};
    Pair pair(std::move(c), server_config(pki));
    pair.tamper = [&](Side from, Bytes& frame) {
        if (from == Side::server && type_of(frame) == "server_hello") {
            auto j = nlohmann::json::parse(payload_of(frame));
            j["group"] = "ffdhe3072";
            frame = frame_of(j.dump());
        }
        return true;
    };
    pair.handshake();
    EXPECT_TRUE(starts_with(pair.client_events.failure(), "no_common_group:"))
        << pair.client_events.failure();
}

TEST(Attack, NoCommonGroupOrVersion) {
    TestPki pki;
    auto c = client_config(pki);
    c.groups = {crypto::DhGroup::ffdhe3072};
    auto s = server_config(pki);
    s.groups = {crypto::DhGroup::x25519};
    Pair pair(std::move(c), std::move(s));
    pair.handshake();
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "no_common_group:"));
    EXPECT_EQ(pair.client_events.of<event::PeerError>().front().code, "no_common_group");

    auto c2 = client_config(pki);
    c2.versions = {7};
    Pair pair2(std::move(c2), server_config(pki));
    pair2.handshake();
    EXPECT_TRUE(starts_with(pair2.server_events.failure(), "unsupported_version:"));
}

// ---- certificates ----

TEST(PeerCertificate, ExpiredServerIsRefusedByTheClient) {
    TestPki pki;
    auto now = std::chrono::system_clock::now();
    pki.server =
        pki.issue(pki::Profile::server, "server", crypto::KeyType::ed25519, now - 48h, now - 24h);
    Pair pair(pki);
    pair.handshake();
    auto failure = pair.client_events.failure();
    EXPECT_TRUE(starts_with(failure, "bad_certificate:")) << failure;
    EXPECT_EQ(pair.client_events.cert_error(), pki::CertError::expired) << failure;
    // The typed reason is for code; the text a person reads is as before.
    EXPECT_NE(failure.find("certificate has expired [expired]"), std::string::npos) << failure;
}

TEST(PeerCertificate, ExpiredClientIsRefusedByTheServer) {
    TestPki pki;
    auto now = std::chrono::system_clock::now();
    pki.client =
        pki.issue(pki::Profile::client, "alice", crypto::KeyType::ed25519, now - 48h, now - 24h);
    Pair pair(pki);
    pair.handshake();
    EXPECT_EQ(pair.server_events.cert_error(), pki::CertError::expired);
    auto peer_error = pair.client_events.of<event::PeerError>();
    ASSERT_EQ(peer_error.size(), 1u);
    EXPECT_EQ(peer_error[0].code, "bad_certificate");
}

TEST(PeerCertificate, RevokedClientIsRefusedByTheServer) {
    TestPki pki;
    auto now = std::chrono::system_clock::now();
    auto crl =
        pki.ca.make_crl({{pki.client.chain.front().serial(), now - 1h}}, now - 1h, now + 24h, 1);
    ASSERT_TRUE(crl);
    auto s = server_config(pki);
    s.trust.crls.push_back(*crl);
    Pair pair(client_config(pki), std::move(s));
    pair.handshake();
    EXPECT_EQ(pair.server_events.cert_error(), pki::CertError::revoked)
        << pair.server_events.failure();
}

TEST(PeerCertificate, WrongServerNameIsRefused) {
    TestPki pki;
    auto c = client_config(pki);
    c.server_name = "chat.example.com";
    Pair pair(std::move(c), server_config(pki));
    pair.handshake();
    EXPECT_EQ(pair.client_events.cert_error(), pki::CertError::name_mismatch)
        << pair.client_events.failure();
}

TEST(PeerCertificate, ClientCertificateUsedAsServerIsWrongPurpose) {
    TestPki pki;
    auto s = server_config(pki);
    auto now = std::chrono::system_clock::now();
    s.identity =
        pki.issue(pki::Profile::client, "server", crypto::KeyType::ed25519, now - 1h, now + 24h);
    Pair pair(client_config(pki), std::move(s));
    pair.handshake();
    EXPECT_EQ(pair.client_events.cert_error(), pki::CertError::wrong_purpose);
}

TEST(PeerCertificate, CertificateFromAnotherCaIsUnknownIssuer) {
    TestPki pki;
    TestPki other;
    auto c = client_config(pki);
    c.identity = other.client;
    Pair pair(std::move(c), server_config(pki));
    pair.handshake();
    EXPECT_EQ(pair.server_events.cert_error(), pki::CertError::unknown_issuer);
}

// ---- messages out of place and out of time ----

TEST(Attack, RecordBeforeTheHandshakeIsUnexpected) {
    TestPki pki;
    Pair pair(pki);
    auto out = pair.server->receive(
        frame_of(R"({"type":"record","seq":0,"ct":"AAAAAAAAAAAAAAAAAAAAAA=="})"));
    pair.deliver(std::move(out), Side::server);
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "unexpected_message:"));
}

TEST(Attack, ChatMessageBeforeLoginIsUnexpected) {
    TestPki pki;
    Pair pair(pki);
    pair.handshake();
    pair.deliver(
        pair.client->send_inner_for_test(msg::Inner{msg::Chat{1, 1, Bytes(40), Bytes(64)}}),
        Side::client);
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "unexpected_message:"))
        << pair.server_events.failure();
}

TEST(Attack, SecondLoginIsUnexpected) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_inner_for_test(
                     msg::Inner{msg::Login{"mallory", crypto::SecretBytes(as_bytes("x"))}}),
                 Side::client);
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "unexpected_message:"));
}

TEST(Attack, TimestampOutsideTheWindowIsRejected) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.client_clock.advance(10min);  // the client's clock runs 10 minutes ahead
    pair.deliver(pair.client->send_text("from the future"), Side::client);
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "stale_timestamp:"))
        << pair.server_events.failure();
}

TEST(Attack, MessageSeqnoThatGoesBackwardsIsReplay) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("one"), Side::client);
    pair.deliver(pair.client->send_text("two"), Side::client);
    // A fresh record (valid at the record layer) carrying an old msg.seqno.
    pair.deliver(
        pair.client->send_inner_for_test(msg::Inner{msg::Chat{1, 1, Bytes(40), Bytes(64)}}),
        Side::client);
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "replay:"))
        << pair.server_events.failure();
}

TEST(Attack, ForgedMessageSignatureIsRejected) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.client->send_inner_for_test(msg::Inner{
                     msg::Chat{1, unix_millis(pair.client_clock.now()), Bytes(40), Bytes(64)}}),
                 Side::client);
    EXPECT_TRUE(starts_with(pair.server_events.failure(), "bad_message_signature:"))
        << pair.server_events.failure();
}

TEST(Attack, AckForAMessageNeverSentIsRejected) {
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    pair.deliver(pair.server->send_inner_for_test(
                     msg::Inner{msg::Ack{5, msg::DeliveryStatus::delivered, Bytes(64, 1)}}),
                 Side::server);
    EXPECT_TRUE(starts_with(pair.client_events.failure(), "unexpected_message:"));
}

}  // namespace
}  // namespace sc::proto

namespace sc::proto {
namespace {

using namespace test;

TEST(PeerCertificate, ServerAcceptsOnlyListedClientNamesWhenConfigured) {
    TestPki pki;  // the client certificate is for "alice"
    auto s = server_config(pki);
    s.allowed_client_names = {"bob", "carol"};
    Pair refused(client_config(pki), std::move(s));
    refused.handshake();
    EXPECT_EQ(refused.server_events.cert_error(), pki::CertError::name_mismatch)
        << refused.server_events.failure();

    auto s2 = server_config(pki);
    s2.allowed_client_names = {"bob", "alice"};
    Pair accepted(client_config(pki), std::move(s2));
    accepted.login_and_chat();
    EXPECT_TRUE(accepted.server_events.has<event::ChatReady>()) << accepted.server_events.failure();
}

}  // namespace
}  // namespace sc::proto

// The conversation transcript verifier (docs/PROTOCOL.md §11) on real transcripts: envelopes
// sealed and opened by real DeviceSessions, statements signed by real certificates of a test CA.
#include <gtest/gtest.h>

#include <functional>

#include "common/base64.h"
#include "evidence/conversation_transcript.h"
#include "evidence/verify_conversation.h"
#include "unit/evidence/conversation_builder.h"

namespace sc::evidence::test {
namespace {

namespace line = conversation;

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) {
        out += l + "\n";
    }
    return out;
}

class VerifyConversation : public ::testing::Test, public ConversationWorld {
  protected:
    void SetUp() override { built = build(); }

    EvidenceTrust trust() const { return EvidenceTrust(ca.certificate()); }
    Result<ConversationSummary> verify(const std::string& text) const {
        return verify_conversation(text, trust());
    }
    // The transcript with line `index` replaced.
    std::string with(std::size_t index, std::string replacement) const {
        auto lines = built.lines;
        lines[index] = std::move(replacement);
        return joined(lines);
    }
    std::string without(std::size_t index) const {
        auto lines = built.lines;
        lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(index));
        return joined(lines);
    }
    // Every byte of `bytes` changed in turn (one at a time): each transcript must fail at `index`.
    void expect_each_byte_caught(std::size_t index, const Bytes& bytes,
                                 const std::function<std::string(const Bytes&)>& make_line,
                                 const std::string& what) {
        auto prefix = "line " + std::to_string(index + 1) + " ";
        for (std::size_t pos = 0; pos < bytes.size(); ++pos) {
            auto changed = bytes;
            changed[pos] ^= 0x01;
            auto result = verify(with(index, make_line(changed)));
            ASSERT_FALSE(result) << what << ": byte " << pos << " changed, still verifies";
            ASSERT_TRUE(starts_with(result.error().message, prefix))
                << what << ": byte " << pos << ": " << result.error().message;
        }
    }

    BuiltConversation built;
};

TEST_F(VerifyConversation, AGoodTranscriptVerifiesAndSaysWhoSentWhatWhenStoredAndDelivered) {
    auto summary = verify(built.text());
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_EQ(summary->me, "alice");
    EXPECT_EQ(summary->peer, "bob");
    EXPECT_EQ(summary->lines, built.lines.size());
    EXPECT_EQ(summary->warnings, 1u);
    EXPECT_FALSE(summary->torn_line);
    ASSERT_EQ(summary->messages.size(), 2u);

    const auto& hello = summary->messages[0];
    EXPECT_TRUE(hello.sent);
    EXPECT_EQ(hello.line, built.sent_bob + 1);
    EXPECT_EQ(hello.from_user, "alice");
    EXPECT_EQ(hello.from_device, "laptop");
    EXPECT_EQ(hello.from_fp, alice.verified.fp);
    EXPECT_EQ(hello.mid, built.first_mid);
    EXPECT_EQ(hello.seq, built.first_seq);
    EXPECT_EQ(hello.ts, now_ms);
    ASSERT_EQ(hello.copies.size(), 2u);
    const auto& to_bob = hello.copies[0];
    EXPECT_EQ(to_bob.to_user, "bob");
    EXPECT_EQ(to_bob.device, bob.verified.fp);
    ASSERT_TRUE(to_bob.stored);
    EXPECT_EQ(to_bob.stored->server, "server");
    EXPECT_EQ(to_bob.stored->ts, now_ms + 10);
    EXPECT_EQ(to_bob.stored->held, 1u);
    ASSERT_TRUE(to_bob.delivered);
    EXPECT_EQ(to_bob.delivered->ts, now_ms + 20);
    EXPECT_EQ(to_bob.delivered->device, "default");
    const auto& to_phone = hello.copies[1];
    EXPECT_EQ(to_phone.to_user, "alice");
    EXPECT_EQ(to_phone.device, alice_phone.verified.fp);
    ASSERT_TRUE(to_phone.stored);
    EXPECT_EQ(to_phone.stored->ts, now_ms + 11);
    EXPECT_FALSE(to_phone.delivered);

    const auto& reply = summary->messages[1];
    EXPECT_FALSE(reply.sent);
    EXPECT_EQ(reply.from_user, "bob");
    EXPECT_EQ(reply.from_fp, bob.verified.fp);
    EXPECT_EQ(reply.mid, built.reply_mid);
    EXPECT_EQ(reply.ts, now_ms + 30);
    EXPECT_TRUE(reply.copies.empty());
}

TEST_F(VerifyConversation, OneChangedByteInAnyEnvelopeIsCaughtAtItsLine) {
    expect_each_byte_caught(
        built.sent_bob, built.envelope_to_bob,
        [&](const Bytes& e) { return line::sent_line(now_ms, "bob", bob.verified.fp.hex(), e); },
        "sent envelope");
    expect_each_byte_caught(
        built.received, built.reply_envelope,
        [&](const Bytes& e) {
            return line::received_line(now_ms + 31, "bob", bob.verified.fp.hex(), e);
        },
        "received envelope");
    expect_each_byte_caught(
        built.delivered_bob, built.delivered_envelope,
        [&](const Bytes& e) {
            return line::delivered_line(now_ms + 21, "bob", bob.verified.fp.hex(), e);
        },
        "delivered envelope");
}

TEST_F(VerifyConversation, OneChangedByteInAnyFieldOfAStoredStatementIsCaught) {
    const auto& st = built.stored_for_bob;
    auto signed_line = [&](const e2e::StoredStatement& s) {
        return stored_line("bob", s, server_leaf);  // a fresh signature over the changed fields
    };
    // Every field, changed after the server signed: the old signature must no longer verify.
    auto sig = server_leaf.key.sign(e2e::stored_signed(e2e::encode_stored(st))).value();
    auto resigned = [&](const e2e::StoredStatement& s) {
        return line::stored_line(s.ts + 1, "bob", s, sig, server_leaf.cert.to_der());
    };
    expect_each_byte_caught(
        built.stored_bob, Bytes(st.fp_s.view().begin(), st.fp_s.view().end()),
        [&](const Bytes& b) {
            auto s = st;
            s.fp_s = *Fingerprint::from_view(b);
            return resigned(s);
        },
        "fp_S");
    expect_each_byte_caught(
        built.stored_bob, Bytes(st.fp_r.view().begin(), st.fp_r.view().end()),
        [&](const Bytes& b) {
            auto s = st;
            s.fp_r = *Fingerprint::from_view(b);
            return resigned(s);
        },
        "fp_R");
    expect_each_byte_caught(
        built.stored_bob, Bytes(st.mid.view().begin(), st.mid.view().end()),
        [&](const Bytes& b) {
            auto s = st;
            s.mid = *MessageId::from_view(b);
            return resigned(s);
        },
        "mid");
    expect_each_byte_caught(
        built.stored_bob, st.envelope_sha256,
        [&](const Bytes& b) {
            auto s = st;
            s.envelope_sha256 = b;
            return resigned(s);
        },
        "envelope_sha256");
    for (auto change :
         {std::function<void(e2e::StoredStatement&)>([](e2e::StoredStatement& s) { s.held += 1; }),
          std::function<void(e2e::StoredStatement&)>([](e2e::StoredStatement& s) { s.ts += 1; }),
          std::function<void(e2e::StoredStatement&)>(
              [](e2e::StoredStatement& s) { s.expires += 1; })}) {
        auto s = st;
        change(s);
        auto result = verify(with(built.stored_bob, resigned(s)));
        ASSERT_FALSE(result);
        EXPECT_NE(result.error().message.find("signature does not verify"), std::string::npos)
            << result.error().message;
    }
    expect_each_byte_caught(
        built.stored_bob, sig,
        [&](const Bytes& b) {
            return line::stored_line(st.ts + 1, "bob", st, b, server_leaf.cert.to_der());
        },
        "sig");
    expect_each_byte_caught(
        built.stored_bob, server_leaf.cert.to_der(),
        [&](const Bytes& b) { return line::stored_line(st.ts + 1, "bob", st, sig, b); },
        "server_cert");
    // Re-signed by the server, a statement about another copy matches no sent line.
    auto other = st;
    other.envelope_sha256[0] ^= 0x01;
    auto result = verify(with(built.stored_bob, signed_line(other)));
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("matches no sent line"), std::string::npos)
        << result.error().message;
}

TEST_F(VerifyConversation, ATranscriptCheckedAgainstAnotherCaFailsAtItsFirstSignedLine) {
    auto other_ca = sc::test::make_root_ca("Other CA");
    auto result = verify_conversation(built.text(), EvidenceTrust(other_ca.certificate()));
    ASSERT_FALSE(result);
    EXPECT_TRUE(starts_with(result.error().message,
                            "line " + std::to_string(built.sent_bob + 1) + " (sent): the sender's"))
        << result.error().message;
}

TEST_F(VerifyConversation, AStoredStatementSignedByAClientCertificateIsRefused) {
    auto result =
        verify(with(built.stored_bob, stored_line("bob", built.stored_for_bob, bob.leaf)));
    ASSERT_FALSE(result);
    EXPECT_TRUE(starts_with(result.error().message, "line " + std::to_string(built.stored_bob + 1) +
                                                        " (stored): the server certificate 'bob'"))
        << result.error().message;
}

TEST_F(VerifyConversation, ADeliveredStatementForAMessageNeverSentIsRefused) {
    // The sent line (and its stored statement) gone: bob's signature holds, but for nothing sent.
    auto lines = built.lines;
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(built.stored_bob));
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(built.sent_bob));
    auto result = verify(joined(lines));
    ASSERT_FALSE(result);
    // The delivered line moved up by two.
    EXPECT_TRUE(starts_with(result.error().message,
                            "line " + std::to_string(built.delivered_bob - 1) + " (delivered)"))
        << result.error().message;
    EXPECT_NE(result.error().message.find("never sent"), std::string::npos)
        << result.error().message;
}

TEST_F(VerifyConversation, IndexFieldsThatDisagreeWithTheSignedBytesAreNamed) {
    auto wrong_to = verify(with(
        built.delivered_bob,
        line::delivered_line(now_ms, "carol", bob.verified.fp.hex(), built.delivered_envelope)));
    ASSERT_FALSE(wrong_to);
    EXPECT_NE(wrong_to.error().message.find("its \"to\" is not 'bob'"), std::string::npos)
        << wrong_to.error().message;
    auto wrong_from =
        verify(with(built.received, line::received_line(now_ms, "alice", bob.verified.fp.hex(),
                                                        built.reply_envelope)));
    ASSERT_FALSE(wrong_from);
    EXPECT_NE(wrong_from.error().message.find("its \"from\" is not 'bob'"), std::string::npos)
        << wrong_from.error().message;
    auto wrong_device =
        verify(with(built.sent_bob, line::sent_line(now_ms, "bob", carol.verified.fp.hex(),
                                                    built.envelope_to_bob)));
    ASSERT_FALSE(wrong_device);
    EXPECT_NE(wrong_device.error().message.find("recipient fp_R"), std::string::npos)
        << wrong_device.error().message;
}

TEST_F(VerifyConversation, ARevokedCertificateFailsAtTheFirstLineItSigned) {
    auto t = trust();
    t.crls.push_back(sc::test::make_crl(ca, {&bob.leaf.cert}));  // revoked an hour ago
    auto result = verify_conversation(built.text(), t);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("revoked"), std::string::npos) << result.error().message;
    EXPECT_TRUE(starts_with(result.error().message,
                            "line " + std::to_string(built.delivered_bob + 1) + " (delivered)"))
        << result.error().message;
}

TEST_F(VerifyConversation, ADisclosedTextIsCheckedAgainstTheMessagesCommitment) {
    auto summary = verify(built.text()).value();
    auto good = check_conversation_disclosure(
        summary, line::disclosure(built.reply_mid.hex(), built.reply_salt, built.reply_text));
    ASSERT_TRUE(good) << good.error().message;
    EXPECT_EQ(good->line, built.received + 1);
    EXPECT_EQ(summary.messages[good->message].from_user, "bob");
    EXPECT_EQ(good->text, "hi alice");

    auto other_text = check_conversation_disclosure(
        summary, line::disclosure(built.reply_mid.hex(), built.reply_salt, "hi alicE"));
    ASSERT_FALSE(other_text);
    EXPECT_NE(other_text.error().message.find("do not match the commitment"), std::string::npos);
    auto other_salt = check_conversation_disclosure(
        summary, line::disclosure(built.reply_mid.hex(), Bytes(16, 0x5b), built.reply_text));
    EXPECT_FALSE(other_salt);
    auto no_such = check_conversation_disclosure(
        summary, line::disclosure(e2e::test::next_mid().hex(), built.reply_salt, built.reply_text));
    ASSERT_FALSE(no_such);
    EXPECT_NE(no_such.error().message.find("no message with mid"), std::string::npos);
    EXPECT_FALSE(check_conversation_disclosure(summary, "{\"disclosure\":\"x\"}"));
}

TEST_F(VerifyConversation, ATornLastLineIsReportedAndTheRestIsChecked) {
    auto text = built.text();
    auto torn = text + built.lines[built.sent_bob].substr(0, 57);  // an append cut short
    auto summary = verify(torn);
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_TRUE(summary->torn_line);
    EXPECT_EQ(*summary->torn_line, built.lines.size() + 1);
    EXPECT_EQ(summary->messages.size(), 2u);
    EXPECT_EQ(summary->lines, built.lines.size());

    // The rest is still checked: a bad line before the torn one fails.
    auto lines = built.lines;
    lines[built.received] = lines[built.received].substr(0, 40) + "x\"}";
    auto bad = verify(joined(lines) + "{\"line\":\"se");
    ASSERT_FALSE(bad);
    EXPECT_TRUE(starts_with(bad.error().message, "line " + std::to_string(built.received + 1)))
        << bad.error().message;

    // A complete last line without its newline is checked, and said to lack it.
    auto unterminated = text.substr(0, text.size() - 1);
    auto checked = verify(unterminated);
    ASSERT_TRUE(checked) << checked.error().message;
    EXPECT_FALSE(checked->torn_line);
    EXPECT_TRUE(checked->missing_final_newline);
    EXPECT_EQ(checked->warnings, 1u);
}

TEST_F(VerifyConversation, AMalformedOrForeignHeaderIsRefused) {
    EXPECT_FALSE(verify(""));
    auto not_ours = verify(with(0, "{\"transcript\":\"securechat/v1 other\"}"));
    ASSERT_FALSE(not_ours);
    EXPECT_TRUE(starts_with(not_ours.error().message, "line 1 (header)"));
    auto same_user =
        verify(with(0, line::header_line("alice", alice.verified.fp.hex(), "alice", now_ms)));
    EXPECT_FALSE(same_user);
    // Another pair of users: the envelopes' conversation is not the header's.
    auto carols =
        verify(with(0, line::header_line("alice", alice.verified.fp.hex(), "carol", now_ms)));
    ASSERT_FALSE(carols);
    EXPECT_NE(carols.error().message.find("conversation"), std::string::npos)
        << carols.error().message;
}

}  // namespace
}  // namespace sc::evidence::test

// `securechat verify conversation` end to end: a real conversation transcript (real
// DeviceSessions, a real test CA and server certificate) written to a file and checked by the
// binary, with nothing but the CA certificate (and a CRL). Part of verify_cli_tests.
#include <gtest/gtest.h>

#include "evidence/conversation_transcript.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "unit/evidence/conversation_builder.h"

namespace sc {
namespace {

using test::securechat;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

class VerifyConversationCli : public ::testing::Test, public evidence::test::ConversationWorld {
  protected:
    void SetUp() override {
        built = build();
        test::write_text(ca_path(), ca.certificate().to_pem());
        test::write_text(transcript_path(), built.text());
    }
    std::string ca_path() const { return (tmp / "ca.crt").string(); }
    std::string transcript_path() const { return (tmp / "bob.jsonl").string(); }
    test::CommandResult verify(std::vector<std::string> extra = {}) const {
        std::vector<std::string> args{"verify", "conversation", transcript_path(), "--ca",
                                      ca_path()};
        args.insert(args.end(), extra.begin(), extra.end());
        return securechat(args);
    }

    evidence::test::BuiltConversation built;
    test::TempDir tmp;
};

TEST_F(VerifyConversationCli,
       AGoodTranscriptPrintsWhoSentEachMessageAndWhenItWasStoredAndDelivered) {
    auto r = verify();
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "OK: the conversation between 'alice' and 'bob'")) << r.output;
    EXPECT_TRUE(contains(r.output, "2 messages (1 sent by this device, 1 received)")) << r.output;
    EXPECT_TRUE(contains(r.output, "line 2: message " + built.first_mid.hex() +
                                       " (seq 1) sent, signed by 'alice' device 'laptop'"))
        << r.output;
    EXPECT_TRUE(contains(r.output, "  to 'bob' device " + bob.verified.fp.hex().substr(0, 16) +
                                       ": stored by the server 'server' at "))
        << r.output;
    EXPECT_TRUE(contains(r.output, "; delivered to its device 'default' at ")) << r.output;
    EXPECT_TRUE(contains(r.output, "  to 'alice' device " +
                                       alice_phone.verified.fp.hex().substr(0, 16) +
                                       ": stored by the server 'server'"))
        << r.output;
    EXPECT_TRUE(contains(r.output, "; not delivered")) << r.output;
    EXPECT_TRUE(contains(r.output, "message " + built.reply_mid.hex() +
                                       " (seq 1) received, signed by 'bob' device 'default'"))
        << r.output;
}

TEST_F(VerifyConversationCli, OneChangedByteFailsNamingTheLineAndExitsOne) {
    // A byte of the stored statement's signed envelope hash, in the file as written.
    auto lines = built.lines;
    auto& stored = lines[built.stored_bob];
    auto at = stored.find("\"envelope_sha256\":\"") + 19;
    stored[at] = stored[at] == '0' ? '1' : '0';
    std::string text;
    for (const auto& l : lines) {
        text += l + "\n";
    }
    test::write_text(transcript_path(), text);
    auto r = verify();
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "FAIL line " + std::to_string(built.stored_bob + 1) +
                                       " (stored): the signature does not verify"))
        << r.output;
}

TEST_F(VerifyConversationCli, AnotherCaOrARevokingCrlFails) {
    auto other = sc::test::make_root_ca("Other CA");
    test::write_text(tmp / "other.crt", other.certificate().to_pem());
    auto wrong_ca = securechat(
        {"verify", "conversation", transcript_path(), "--ca", (tmp / "other.crt").string()});
    EXPECT_EQ(wrong_ca.exit_code, 1) << wrong_ca.output;
    EXPECT_TRUE(contains(wrong_ca.output, "FAIL line 2 (sent): the sender's certificate"))
        << wrong_ca.output;

    test::write_text(tmp / "ca.crl", sc::test::make_crl(ca, {&alice.leaf.cert}).to_pem());
    auto revoked = verify({"--crl", (tmp / "ca.crl").string()});
    EXPECT_EQ(revoked.exit_code, 1) << revoked.output;
    EXPECT_TRUE(contains(revoked.output, "certificate is revoked")) << revoked.output;
}

TEST_F(VerifyConversationCli, ADisclosureIsCheckedAgainstTheCommitment) {
    test::write_text(tmp / "good.json",
                     evidence::conversation::disclosure(built.reply_mid.hex(), built.reply_salt,
                                                        built.reply_text));
    auto good = verify({"--disclose", (tmp / "good.json").string()});
    EXPECT_EQ(good.exit_code, 0) << good.output;
    EXPECT_TRUE(contains(
        good.output, "Disclosed: message " + built.reply_mid.hex() + " from 'bob' said 'hi alice'"))
        << good.output;

    test::write_text(tmp / "bad.json", evidence::conversation::disclosure(
                                           built.reply_mid.hex(), built.reply_salt, "bye alice"));
    auto bad = verify({"--disclose", (tmp / "bad.json").string()});
    EXPECT_EQ(bad.exit_code, 1) << bad.output;
    EXPECT_TRUE(contains(bad.output, "FAIL disclosure: the text and salt do not match"))
        << bad.output;
}

TEST_F(VerifyConversationCli, ATornLastLineIsReportedAndTheRestVerifies) {
    test::write_text(transcript_path(), built.text() + "{\"line\":\"delivered\",\"ts\":17");
    auto r = verify();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "OK: the conversation between 'alice' and 'bob'")) << r.output;
    EXPECT_TRUE(contains(r.output, "Torn: line " + std::to_string(built.lines.size() + 1) +
                                       " is not a complete line"))
        << r.output;
}

TEST_F(VerifyConversationCli, BadArgumentsExitTwo) {
    EXPECT_EQ(securechat({"verify", "conversation", transcript_path()}).exit_code, 2);
    EXPECT_EQ(securechat({"verify", "conversation", "--ca", ca_path()}).exit_code, 2);
    EXPECT_EQ(securechat({"verify"}).exit_code, 2);
    auto missing =
        securechat({"verify", "conversation", (tmp / "none").string(), "--ca", ca_path()});
    EXPECT_EQ(missing.exit_code, 1) << missing.output;
    EXPECT_TRUE(contains(missing.output, "FAIL ")) << missing.output;
}

}  // namespace
}  // namespace sc

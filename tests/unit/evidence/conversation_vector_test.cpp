// tests/vectors/conversation_v1.jsonl, made by tools/make_conversation_vector.py from the spec
// (tools/e2e_spec.py, not src/) and checked independently by tools/check_conversation_vector.py:
// the C++ verifier accepts it, and the C++ writer spells every line of it byte for byte; and
// conversation_v1_chain.jsonl, the same with bob's device under an intermediate CA.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/files.h"
#include "evidence/conversation_transcript.h"
#include "evidence/verify_conversation.h"

namespace sc::evidence {
namespace {

using nlohmann::json;
namespace line = conversation;

constexpr std::uint64_t kT = 1798761600000;  // 2027-01-01T00:00:00Z, the vector's time

std::string vector_file(const std::string& name) {
    auto text = read_file(std::string(SECURECHAT_VECTORS_DIR) + "/" + name);
    EXPECT_TRUE(text) << name;
    return text ? *text : std::string();
}

EvidenceTrust vector_trust() {
    EvidenceTrust trust(pki::Certificate::from_pem(vector_file("vector-ca.crt")).value());
    trust.now = time_from_ms(kT + 24 * 3600 * 1000);
    return trust;
}

Bytes b64(const json& j) {
    return base64_decode(j.get<std::string>()).value();
}

// The line as conversation_transcript.h writes it from the same values.
std::string rewritten(const json& j) {
    if (j.contains("transcript")) {
        return line::header_line(j["me"], j["device"], j["peer"], j["created"]);
    }
    const std::string kind = j["line"];
    if (kind == "sent") {
        return line::sent_line(j["ts"], j["to"], j["device"], b64(j["envelope"]));
    }
    if (kind == "received") {
        return line::received_line(j["ts"], j["from"], j["device"], b64(j["envelope"]));
    }
    if (kind == "stored") {
        e2e::StoredStatement s{*Fingerprint::from_hex(j["from_device"].get<std::string>()),
                               *Fingerprint::from_hex(j["device"].get<std::string>()),
                               *MessageId::from_hex(j["mid"].get<std::string>()),
                               *from_hex(j["envelope_sha256"].get<std::string>()),
                               j["held"],
                               j["stored_ts"],
                               j["expires"]};
        return line::stored_line(j["ts"], j["to"], s, b64(j["sig"]), b64(j["server_cert"]));
    }
    if (kind == "delivered") {
        return line::delivered_line(j["ts"], j["to"], j["device"], b64(j["envelope"]));
    }
    return line::warning_line(j["ts"], j["code"], j["user"], j["device"], j["old_fingerprint"],
                              j["fingerprint"], j["message"]);
}

TEST(ConversationVector, TheSpecsTranscriptVerifiesAndItsDisclosureOpens) {
    auto summary = verify_conversation(vector_file("conversation_v1.jsonl"), vector_trust());
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_EQ(summary->messages.size(), 2u);
    const auto& hello = summary->messages[0];
    EXPECT_TRUE(hello.sent);
    EXPECT_EQ(hello.from_user, "alice");
    EXPECT_EQ(hello.ts, kT);
    ASSERT_EQ(hello.copies.size(), 1u);
    ASSERT_TRUE(hello.copies[0].stored);
    EXPECT_EQ(hello.copies[0].stored->ts, kT + 10);
    ASSERT_TRUE(hello.copies[0].delivered);
    EXPECT_EQ(hello.copies[0].delivered->device, "phone");
    EXPECT_EQ(hello.copies[0].delivered->ts, kT + 20);
    EXPECT_EQ(summary->messages[1].from_user, "bob");
    EXPECT_EQ(summary->warnings, 1u);

    auto disclosed =
        check_conversation_disclosure(*summary, vector_file("conversation_v1.disclosure.json"));
    ASSERT_TRUE(disclosed) << disclosed.error().message;
    EXPECT_EQ(disclosed->text, "hi alice");
    EXPECT_EQ(disclosed->line, 5u);
}

// Every line of `name` as the writer spells it from its values; the number of lines.
std::size_t expect_rewritten_byte_for_byte(const std::string& name) {
    auto text = vector_file(name);
    std::size_t pos = 0;
    std::size_t lines = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string::npos) {
            ADD_FAILURE() << name << ": the last line has no newline";
            break;
        }
        auto original = text.substr(pos, end - pos);
        EXPECT_EQ(rewritten(json::parse(original)), original) << name;
        pos = end + 1;
        ++lines;
    }
    return lines;
}

TEST(ConversationVector, TheWriterSpellsEveryLineOfTheVectorByteForByte) {
    EXPECT_EQ(expect_rewritten_byte_for_byte("conversation_v1.jsonl"), 6u);
    EXPECT_EQ(vector_file("conversation_v1.disclosure.json"),
              line::disclosure(std::string(32, '5'), Bytes(16, 0x66), "hi alice") + "\n");
}

// The same conversation with bob's device under the intermediate "Vector Users CA": his
// certificate fields are chains (leaf, then intermediate; §2.1), and the root alone verifies it.
TEST(ConversationVector, TheChainVectorVerifiesWithTheRootAloneAndNamesTheLeaf) {
    auto leaf = pki::Certificate::from_pem(vector_file("vector-bob-sub.crt")).value();
    auto summary = verify_conversation(vector_file("conversation_v1_chain.jsonl"), vector_trust());
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_EQ(summary->messages.size(), 2u);
    ASSERT_EQ(summary->messages[0].copies.size(), 1u);
    const auto& copy = summary->messages[0].copies[0];
    EXPECT_EQ(copy.device, leaf.fingerprint()) << "a device is named by its leaf alone";
    ASSERT_TRUE(copy.stored);
    ASSERT_TRUE(copy.delivered);
    EXPECT_EQ(copy.delivered->device, "phone");
    const auto& reply = summary->messages[1];
    EXPECT_EQ(reply.from_user, "bob");
    EXPECT_EQ(reply.from_device, "phone");
    EXPECT_EQ(reply.from_fp, leaf.fingerprint());
    auto disclosed = check_conversation_disclosure(
        *summary, vector_file("conversation_v1_chain.disclosure.json"));
    ASSERT_TRUE(disclosed) << disclosed.error().message;
    EXPECT_EQ(disclosed->text, "hi alice");
    EXPECT_EQ(expect_rewritten_byte_for_byte("conversation_v1_chain.jsonl"), 6u);
}

}  // namespace
}  // namespace sc::evidence

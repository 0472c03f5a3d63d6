// The receipt file format: what we write parses back to the same receipt, and anything else is
// refused with a reason.
#include "evidence/receipt_file.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "recorded_session.h"

namespace sc::evidence {
namespace {

class ReceiptFileTest : public ::testing::Test {
  protected:
    ReceiptFileTest() : session(test::record_session(pki)) {}
    std::string text() const {
        return receipt_file_text(session.server_receipt, session.session_id, session.server_cert);
    }
    std::string error_of(const std::string& t) const {
        auto r = parse_receipt_file(t);
        return r ? std::string("(parsed)") : r.error().message;
    }
    std::string changed(const std::string& field, const nlohmann::json& value) const {
        auto j = nlohmann::json::parse(text());
        j[field] = value;
        return error_of(j.dump());
    }

    proto::test::TestPki pki;
    test::RecordedSession session;
};

TEST_F(ReceiptFileTest, RoundTrips) {
    auto parsed = parse_receipt_file(text());
    ASSERT_TRUE(parsed) << parsed.error().message;
    const auto& r = parsed->receipt;
    const auto& original = session.server_receipt;
    EXPECT_EQ(r.peer, original.peer);
    EXPECT_EQ(r.first_seq, original.first_seq);
    EXPECT_EQ(r.last_seq, original.last_seq);
    EXPECT_EQ(r.transcript_sha256, original.transcript_sha256);
    EXPECT_EQ(r.sig, original.sig);
    EXPECT_EQ(parsed->session_id, session.session_id);
    EXPECT_TRUE(parsed->signer.same_as(session.server_cert));
}

TEST_F(ReceiptFileTest, HasOneFieldPerLine) {
    auto t = text();
    EXPECT_EQ(t.front(), '{');
    EXPECT_EQ(t.substr(t.size() - 2), "}\n");
    EXPECT_EQ(std::count(t.begin(), t.end(), '\n'), 10);  // braces and 8 fields
    EXPECT_NE(t.find("\n  \"first_seq\": 1,\n"), std::string::npos) << t;
    EXPECT_NE(t.find("\n  \"type\": \"receipt\"\n"), std::string::npos) << t;
}

TEST_F(ReceiptFileTest, RefusesAnythingElse) {
    EXPECT_EQ(error_of(""), "receipt file: payload is not valid JSON");
    EXPECT_EQ(error_of("[]"), "receipt file: payload is not a JSON object");
    EXPECT_EQ(changed("type", "msg"), "receipt file: \"type\" is \"msg\", not \"receipt\"");
    EXPECT_EQ(changed("note", "hi"), "receipt file: 'receipt' has an unknown field \"note\"");
    EXPECT_EQ(changed("first_seq", 1.5),
              "receipt file: \"first_seq\" of 'receipt' is not a non-negative integer");
    EXPECT_EQ(changed("last_seq", "4"),
              "receipt file: \"last_seq\" of 'receipt' is not a non-negative integer");
    EXPECT_EQ(changed("first_seq", 5), "receipt file: first_seq 5 is after last_seq 4");
    EXPECT_EQ(changed("first_seq", 0),
              "receipt file: first_seq and last_seq must both be 0 (no messages) or both be "
              "positive");
    EXPECT_EQ(changed("peer", "AB" + session.server_receipt.peer.substr(2)),
              "receipt file: \"peer\" is not 64 lower-case hex digits");
    EXPECT_EQ(changed("transcript_sha256", "00"),
              "receipt file: \"transcript_sha256\" is not 64 lower-case hex digits");
    EXPECT_EQ(changed("session_id", to_hex(session.session_id).substr(2)),
              "receipt file: \"session_id\" is not 64 lower-case hex digits");
    EXPECT_EQ(changed("sig", "not base64!"),
              "receipt file: \"sig\" of 'receipt' is not valid base64");
    EXPECT_EQ(changed("signer", "AAAA").rfind("receipt file: \"signer\" is not a certificate", 0),
              0u)
        << changed("signer", "AAAA");
    auto j = nlohmann::json::parse(text());
    j.erase("sig");
    EXPECT_EQ(error_of(j.dump()), "receipt file: 'receipt' lacks the field \"sig\"");
}

}  // namespace
}  // namespace sc::evidence

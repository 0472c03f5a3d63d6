#include <gtest/gtest.h>

#include "e2e/device_sessions.h"
#include "e2e/envelope.h"
#include "unit/e2e/fixture.h"

namespace sc::e2e::test {
namespace {

class E2eDelivered : public ::testing::Test, public World {
  protected:
    void SetUp() override {
        a = party(alice, "alice");
        b = published(bob, "bob");
        auto bundle = server.bundle(bob);
        sent = send(*a, bob, "did you get this?", &bundle);
        auto got = receive(*b, sent.sealed.body, alice);
        ASSERT_TRUE(got) << got.error().message;
        opened = std::move(got).value();
    }
    Result<DeliveredStatement> check(ByteView body, const Device& from) {
        SC_TRY_ASSIGN(auto parsed, parse_envelope(body));
        return a->sessions->check_delivered(parsed, from.verified, sent_copy());
    }

    SentCopy sent_copy() const {
        return SentCopy{sent.sealed.envelope_sha256, sent.message.mid, sent.message.seq};
    }

    std::unique_ptr<Party> a, b;
    Sent sent;
    OpenedMessage opened;
};

TEST_F(E2eDelivered, AStatementIsMadeAndChecked) {
    auto body = b->sessions->make_delivered(opened, kNow + 5);
    ASSERT_TRUE(body) << body.error().message;
    auto parsed = parse_envelope(*body);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->kind, ParsedEnvelope::Kind::delivered);
    EXPECT_EQ(parsed->from_fp, bob.verified.fp);
    EXPECT_EQ(parsed->cert_der, bob.verified.cert_der);
    auto statement = check(*body, bob);
    ASSERT_TRUE(statement) << statement.error().message;
    EXPECT_EQ(statement->recipient_fp, bob.verified.fp);
    EXPECT_EQ(statement->mid, sent.message.mid);
    EXPECT_EQ(statement->seq, sent.message.seq);
    EXPECT_EQ(statement->ts, kNow + 5);
    EXPECT_EQ(statement->conv, sent.message.conv);
}

TEST_F(E2eDelivered, AForgedOrMismatchedStatementIsRefused) {
    auto body = b->sessions->make_delivered(opened, kNow).value();
    // For another message of ours.
    auto parsed = parse_envelope(body).value();
    const Bytes other_hash(32, 0);
    EXPECT_FALSE(a->sessions->check_delivered(
        parsed, bob.verified, SentCopy{other_hash, sent.message.mid, sent.message.seq}));
    // Our copy's hash, but another counter or message id than the one we sent.
    auto copy = sent_copy();
    copy.seq += 1;
    EXPECT_FALSE(a->sessions->check_delivered(parsed, bob.verified, copy));
    copy = sent_copy();
    copy.mid = *MessageId::from_view(Bytes(16, 0x5a));
    EXPECT_FALSE(a->sessions->check_delivered(parsed, bob.verified, copy));
    // From someone else than the recipient.
    EXPECT_FALSE(check(body, carol));
    // Any byte changed.
    for (std::size_t i = 0; i < body.size(); ++i) {
        auto tampered = body;
        tampered[i] ^= 0x80;
        EXPECT_FALSE(check(tampered, bob)) << "byte " << i;
    }
    // Signed by carol's key over bob's statement and certificate.
    auto env = parse_delivered_envelope(body).value();
    auto carol_sig = carol.leaf.key.sign(delivered_signed(env.delivered_bytes)).value();
    EXPECT_FALSE(check(encode_delivered_envelope(env.delivered_bytes, env.cert, carol_sig), bob));
    // A statement about a message of another device (bob "delivers" to carol's fp).
    auto other = env.statement;
    other.fp_s = carol.verified.fp;
    auto other_bytes = encode_delivered(other);
    auto other_sig = bob.leaf.key.sign(delivered_signed(other_bytes)).value();
    EXPECT_FALSE(check(encode_delivered_envelope(other_bytes, env.cert, other_sig), bob));
    // A message envelope is not a delivered statement.
    EXPECT_FALSE(check(sent.sealed.body, alice));
    ASSERT_TRUE(check(body, bob));
}

}  // namespace
}  // namespace sc::e2e::test

// The derived bound of proto/limits.h is true: the largest inner payload seals, frames and
// opens; one byte more is refused before anything is sealed.
#include <gtest/gtest.h>

#include <limits>

#include "common/base64.h"
#include "harness.h"
#include "proto/limits.h"
#include "proto/wire/framer.h"

namespace sc::proto {
namespace {

using namespace test;

// An inner `error` whose encoding is exactly `size` bytes (its message pads it out).
msg::Inner inner_of_size(std::size_t size) {
    auto empty = msg::encode(msg::Inner{msg::Error{"x", ""}}).size();
    return msg::Inner{msg::Error{"x", std::string(size - empty, 'a')}};
}

std::uint64_t record_seq(const Bytes& wire) {
    FrameReader reader;
    reader.feed(wire);
    auto next = reader.next();
    EXPECT_TRUE(std::holds_alternative<Frame>(next));
    auto outer = msg::decode_outer(std::get<Frame>(next).payload_text());
    EXPECT_TRUE(outer) << (outer ? "" : outer.error().text());
    return std::get<msg::Record>(outer.value()).seq;
}

TEST(Limits, RecordFrameOverheadIsWhatTheEncoderWrites) {
    Bytes ct(100, 0x41);
    auto text = msg::encode(msg::Outer{msg::Record{std::numeric_limits<std::uint64_t>::max(), ct}});
    EXPECT_EQ(text.size(), kRecordFrameOverhead + base64_encode(ct).size());
    EXPECT_EQ(base64_encode(ct).size(), base64_length(ct.size()));
}

TEST(Limits, TheLargestChatMessageFitsARecord) {
    msg::Chat chat{std::numeric_limits<std::uint64_t>::max(),
                   std::numeric_limits<std::uint64_t>::max(), Bytes(kMaxChatCt, 1),
                   Bytes(kMaxSigBytes, 2)};
    EXPECT_LE(msg::encode(msg::Inner{chat}).size(), kMaxInnerPayload);
}

TEST(Limits, MaximalInnerMessageSealsAndFrames) {
    ASSERT_TRUE(msg::encode_for_record(inner_of_size(kMaxInnerPayload)));
    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    auto out = pair.server->send_inner_for_test(inner_of_size(kMaxInnerPayload));
    ASSERT_EQ(out.send.size(), 1u);
    EXPECT_LE(out.send[0].size(), kFrameHeaderBytes + kMaxFramePayload);
    record_seq(out.send[0]);
    // The client opens it: the record is fine, only the error text is over its own bound.
    pair.deliver(std::move(out), Side::server);
    auto failure = pair.client_events.failure();
    EXPECT_NE(failure.find("\"message\""), std::string::npos) << failure;
}

TEST(Limits, OneByteOverTheInnerBoundIsRefusedBeforeSealing) {
    auto refused = msg::encode_for_record(inner_of_size(kMaxInnerPayload + 1));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::internal);
    EXPECT_EQ(refused.error().message,
              "message too large to send: 'error' is " + std::to_string(kMaxInnerPayload + 1) +
                  " bytes, a record carries " + std::to_string(kMaxInnerPayload));

    TestPki pki;
    Pair pair(pki);
    pair.login_and_chat();
    auto before = pair.server->send_inner_for_test(msg::Inner{msg::RekeyRequest{}});
    ASSERT_EQ(before.send.size(), 1u);
    auto over = pair.server->send_inner_for_test(inner_of_size(kMaxInnerPayload + 1));
    EXPECT_TRUE(over.send.empty());
    // Nothing was sealed: the next record takes the very next sequence number.
    auto after = pair.server->send_inner_for_test(msg::Inner{msg::RekeyRequest{}});
    ASSERT_EQ(after.send.size(), 1u);
    EXPECT_EQ(record_seq(after.send[0]), record_seq(before.send[0]) + 1);
}

}  // namespace
}  // namespace sc::proto

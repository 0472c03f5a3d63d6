// Framing and message decoding: truncated and oversized frames, malformed JSON, bad base64,
// missing, mistyped and unknown fields, unknown types.
#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/display_text.h"
#include "harness.h"
#include "proto/limits.h"
#include "proto/messages.h"
#include "proto/wire/framer.h"

namespace sc::proto {
namespace {

Bytes header(std::uint32_t n) {
    return {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
            static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}

TEST(FrameReader, NeedsMoreUntilTheWholeFrameArrivesByteByByte) {
    auto frame = make_frame(R"({"type":"x"})").wire();
    FrameReader reader;
    for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
        reader.feed(ByteView(frame).subspan(i, 1));
        EXPECT_TRUE(std::holds_alternative<NeedMore>(reader.next())) << i;
    }
    reader.feed(ByteView(frame).last(1));
    auto next = reader.next();
    ASSERT_TRUE(std::holds_alternative<Frame>(next));
    EXPECT_EQ(std::get<Frame>(next).wire(), frame);
}

TEST(FrameReader, SeveralFramesInOneRead) {
    auto a = make_frame("{\"type\":\"a\"}").wire();
    auto b = make_frame("{\"type\":\"b\"}").wire();
    Bytes both = a;
    both.insert(both.end(), b.begin(), b.end());
    FrameReader reader;
    reader.feed(both);
    EXPECT_EQ(std::get<Frame>(reader.next()).wire(), a);
    EXPECT_EQ(std::get<Frame>(reader.next()).wire(), b);
    EXPECT_TRUE(std::holds_alternative<NeedMore>(reader.next()));
    EXPECT_EQ(reader.buffered(), 0u);
}

TEST(FrameReader, OversizedFrameIsRefusedBeforeItsPayloadArrives) {
    FrameReader reader;
    reader.feed(header(kMaxFramePayload + 1));
    auto next = reader.next();
    ASSERT_TRUE(std::holds_alternative<ProtocolError>(next));
    EXPECT_EQ(std::get<ProtocolError>(next).code, ErrorCode::frame_too_large);
    FrameReader huge;
    huge.feed(header(0xffffffff));
    EXPECT_EQ(std::get<ProtocolError>(huge.next()).code, ErrorCode::frame_too_large);
}

TEST(FrameReader, EmptyFrameIsMalformed) {
    FrameReader reader;
    reader.feed(header(0));
    EXPECT_EQ(std::get<ProtocolError>(reader.next()).code, ErrorCode::malformed);
}

TEST(FrameReader, MaximumSizeFrameIsAccepted) {
    std::string payload(kMaxFramePayload, ' ');
    FrameReader reader;
    reader.feed(make_frame(payload).wire());
    EXPECT_TRUE(std::holds_alternative<Frame>(reader.next()));
}

ErrorCode outer_error(const std::string& payload) {
    auto r = msg::decode_outer(payload);
    EXPECT_FALSE(r) << payload;
    return r ? ErrorCode::internal : r.error().code;
}

ErrorCode inner_error(const std::string& payload) {
    auto r = msg::decode_inner(payload);
    EXPECT_FALSE(r) << payload;
    return r ? ErrorCode::internal : r.error().code;
}

const char* kNonce = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

TEST(Decode, MalformedJson) {
    for (const char* bad :
         {"", "{", "not json", "[1,2]", "\"hello\"", "{\"type\":1}", "{\"typ\":\"hello\"}",
          "{\"type\":\"hello\"", "{\"type\":\"hello\",}"}) {
        EXPECT_EQ(outer_error(bad), ErrorCode::malformed) << bad;
    }
}

TEST(Decode, DeepNestingIsRefusedBeforeParsing) {
    std::string deep =
        "{\"type\":\"hello\",\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    EXPECT_EQ(outer_error(deep), ErrorCode::malformed);
}

TEST(Decode, UnknownTypes) {
    EXPECT_EQ(outer_error(R"({"type":"bye"})"), ErrorCode::malformed);
    EXPECT_EQ(outer_error(R"({"type":"msg","seqno":1,"ts":1,"ct":"AA==","sig":"AA=="})"),
              ErrorCode::malformed)
        << "msg is only valid inside a record";
    EXPECT_EQ(inner_error(R"({"type":"hello"})"), ErrorCode::malformed);
}

TEST(Decode, HelloFieldsAreChecked) {
    std::string good =
        std::string(R"({"type":"hello","versions":[1],"groups":["x25519"],"nonce":")") + kNonce +
        R"(","certs":["AAAA"]})";
    EXPECT_TRUE(msg::decode_outer(good));
    // missing field
    EXPECT_EQ(
        outer_error(std::string(R"({"type":"hello","versions":[1],"groups":["x25519"],"nonce":")") +
                    kNonce + "\"}"),
        ErrorCode::malformed);
    // unknown extra field
    EXPECT_EQ(
        outer_error(std::string(R"({"type":"hello","versions":[1],"groups":["x25519"],"nonce":")") +
                    kNonce + R"(","certs":["AAAA"],"extra":true})"),
        ErrorCode::malformed);
    // mistyped fields
    EXPECT_EQ(
        outer_error(std::string(R"({"type":"hello","versions":"1","groups":["x25519"],"nonce":")") +
                    kNonce + R"(","certs":["AAAA"]})"),
        ErrorCode::malformed);
    EXPECT_EQ(outer_error(
                  std::string(R"({"type":"hello","versions":[-1],"groups":["x25519"],"nonce":")") +
                  kNonce + R"(","certs":["AAAA"]})"),
              ErrorCode::malformed);
    EXPECT_EQ(outer_error(
                  std::string(R"({"type":"hello","versions":[1.5],"groups":["x25519"],"nonce":")") +
                  kNonce + R"(","certs":["AAAA"]})"),
              ErrorCode::malformed);
    EXPECT_EQ(outer_error(std::string(R"({"type":"hello","versions":[1],"groups":[7],"nonce":")") +
                          kNonce + R"(","certs":["AAAA"]})"),
              ErrorCode::malformed);
    // wrong nonce length, empty cert list
    EXPECT_EQ(
        outer_error(
            R"({"type":"hello","versions":[1],"groups":["x25519"],"nonce":"AAAA","certs":["AAAA"]})"),
        ErrorCode::malformed);
    EXPECT_EQ(
        outer_error(std::string(R"({"type":"hello","versions":[1],"groups":["x25519"],"nonce":")") +
                    kNonce + R"(","certs":[]})"),
        ErrorCode::malformed);
}

TEST(Decode, BadBase64IsItsOwnError) {
    EXPECT_EQ(outer_error(R"({"type":"dh_server","share":"not base64!","sig":"AAAA"})"),
              ErrorCode::bad_base64);
    EXPECT_EQ(outer_error(R"({"type":"dh_server","share":"AAAA","sig":"AA="})"),
              ErrorCode::bad_base64);
    EXPECT_EQ(outer_error(R"({"type":"record","seq":0,"ct":"AAAA AAAA"})"), ErrorCode::bad_base64);
}

TEST(Decode, InnerMessagesAreChecked) {
    EXPECT_TRUE(msg::decode_inner(R"({"type":"ack","seqno":3,"sig":"AA==","status":"delivered"})"));
    EXPECT_EQ(inner_error(R"({"type":"ack","seqno":3,"status":"delivered"})"), ErrorCode::malformed)
        << "an ack without its signature (M5)";
    EXPECT_EQ(inner_error(R"({"type":"ack","seqno":"3","sig":"AA==","status":"delivered"})"),
              ErrorCode::malformed);
    EXPECT_EQ(inner_error(R"({"type":"ack","seqno":3,"sig":"AA==","status":"lost"})"),
              ErrorCode::malformed);
    EXPECT_EQ(inner_error(R"({"type":"login","username":"a"})"), ErrorCode::malformed);
    EXPECT_EQ(inner_error(R"({"type":"login","username":"a","password":5})"), ErrorCode::malformed);
    EXPECT_EQ(inner_error(R"({"type":"msg","seqno":1,"ts":1,"ct":"AA==","sig":"AA=="})"),
              ErrorCode::malformed)
        << "ct shorter than salt + tag";
    EXPECT_EQ(
        inner_error(
            R"({"type":"receipt","peer":"ab","first_seq":1,"last_seq":2,"transcript_sha256":"cd","sig":"AA=="})"),
        ErrorCode::malformed);
    EXPECT_EQ(
        inner_error(std::string(R"({"type":"register","email":"a@b","username":"u","password":")") +
                    std::string(1000, 'p') + "\"}"),
        ErrorCode::malformed)
        << "credentials are bounded";
}

TEST(Decode, RoundTripOfEveryOuterMessage) {
    std::vector<msg::Outer> messages{
        msg::Hello{{1}, {"x25519", "ffdhe3072"}, Bytes(32, 7), {Bytes(10, 1)}},
        msg::ServerHello{1, "x25519", Bytes(32, 9), {Bytes(10, 2)}},
        msg::DhServer{Bytes(32, 3), Bytes(64, 4)},
        msg::DhClient{Bytes(32, 5), Bytes(64, 6)},
        msg::Error{"malformed", "why"},
        msg::Record{42, Bytes(20, 8)},
    };
    for (const auto& m : messages) {
        auto encoded = msg::encode(m);
        auto decoded = msg::decode_outer(encoded);
        ASSERT_TRUE(decoded) << encoded;
        EXPECT_EQ(msg::encode(*decoded), encoded);
    }
}

TEST(Session, TruncatedFrameThenSilenceProducesNothing) {
    test::TestPki pki;
    test::Pair pair(pki);
    auto hello = pair.client->start().send.front();
    hello.pop_back();
    auto out = pair.server->receive(hello);
    EXPECT_TRUE(out.send.empty());
    EXPECT_TRUE(out.events.empty());
    EXPECT_FALSE(out.close);
}

TEST(Session, OversizedFrameClosesTheSessionWithANamedError) {
    test::TestPki pki;
    test::Pair pair(pki);
    auto out = pair.server->receive(header(1 << 24));
    ASSERT_TRUE(out.close);
    ASSERT_EQ(out.events.size(), 1u);
    EXPECT_EQ(std::get<event::Failed>(out.events[0]).error.code, ErrorCode::frame_too_large);
    ASSERT_EQ(out.send.size(), 1u) << "an error frame tells the peer why";
}

TEST(Session, GarbageAfterFailureIsIgnored) {
    test::TestPki pki;
    test::Pair pair(pki);
    auto out = pair.server->receive(as_bytes("GET / HTTP/1.1\r\n\r\n"));
    EXPECT_TRUE(out.close);
    auto again = pair.server->receive(as_bytes("more garbage"));
    EXPECT_TRUE(again.events.empty());
    EXPECT_TRUE(again.send.empty());
}

}  // namespace
}  // namespace sc::proto

namespace sc::proto {
namespace {

std::string hello_with(const std::string& groups, const std::string& nonce) {
    return R"({"type":"hello","versions":[1],"groups":)" + groups + R"(,"nonce":")" + nonce +
           R"(","certs":["AAAA"]})";
}

TEST(Hardening, I2_DuplicateGroupsAreRefused) {
    EXPECT_TRUE(msg::decode_outer(hello_with(R"(["x25519","ffdhe3072"])", kNonce)));
    EXPECT_EQ(outer_error(hello_with(R"(["x25519","x25519"])", kNonce)), ErrorCode::malformed);
    EXPECT_EQ(outer_error(R"({"type":"hello","versions":[],"groups":["x25519"],"nonce":")" +
                          std::string(kNonce) + R"(","certs":["AAAA"]})"),
              ErrorCode::malformed)
        << "versions: []";
}

TEST(Hardening, I2_EmptyOrOversizedShareIsBadShare) {
    EXPECT_EQ(outer_error(R"({"type":"dh_server","share":"","sig":"AAAA"})"), ErrorCode::bad_share);
    std::string big = base64_encode(Bytes(600, 1));
    EXPECT_EQ(outer_error(R"({"type":"dh_client","share":")" + big + R"(","sig":"AAAA"})"),
              ErrorCode::bad_share);
    EXPECT_EQ(inner_error(R"({"type":"rekey","share":")" + big + R"("})"), ErrorCode::bad_share);
    EXPECT_EQ(inner_error(R"({"type":"dh_client","share":""})"), ErrorCode::bad_share);
}

TEST(Hardening, I2_NonceWithALineBreakIsBadBase64) {
    std::string nonce(kNonce);
    nonce.insert(20, "\\n");
    EXPECT_EQ(outer_error(hello_with(R"(["x25519"])", nonce)), ErrorCode::bad_base64);
    // A well-formed nonce of the wrong length is malformed.
    EXPECT_EQ(outer_error(hello_with(R"(["x25519"])", base64_encode(Bytes(31, 1)))),
              ErrorCode::malformed);
}

// A frame full of distinct keys is refused by count, so the duplicate check stays linear.
TEST(Hardening, I2_ObjectWithTooManyMembersIsMalformed) {
    std::string many = R"({"type":"hello")";
    for (std::size_t i = 0; i < kMaxJsonMembers; ++i) {
        many += ",\"k" + std::to_string(i) + "\":0";
    }
    auto decoded = msg::decode_outer(many + "}");
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, ErrorCode::malformed);
    EXPECT_NE(decoded.error().message.find("more than 32 members"), std::string::npos)
        << decoded.error().message;
}

TEST(Hardening, I2_DuplicateKeysAreMalformed) {
    EXPECT_EQ(
        inner_error(R"({"type":"ack","seqno":1,"seqno":2,"sig":"AA==","status":"delivered"})"),
        ErrorCode::malformed);
    EXPECT_EQ(
        outer_error(R"({"type":"record","type":"record","seq":0,"ct":"AAAAAAAAAAAAAAAAAAAAAA=="})"),
        ErrorCode::malformed);
    // The same key in two different objects is fine.
    EXPECT_TRUE(msg::decode_inner(R"({"type":"ack","seqno":1,"sig":"AA==","status":"delivered"})"));
}

TEST(Hardening, I2_Utf8CheckIsStrict) {
    for (std::string_view good :
         {"", "plain", "ünïcødé ✓", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf"}) {
        EXPECT_TRUE(is_valid_utf8(good)) << good;
    }
    for (std::string_view bad : {"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
                                 "\xf4\x90\x80\x80", "\xc3", "\x80", "a\xe2\x82"}) {
        EXPECT_FALSE(is_valid_utf8(bad)) << to_hex(as_bytes(bad));
    }
}

}  // namespace
}  // namespace sc::proto

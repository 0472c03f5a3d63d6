// Each message names itself once (kType, kFields): the decoder, type_name, the per-role
// variants and the fuzz dictionary all follow from the structs.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "proto/messages.h"

namespace sc::proto {
namespace {

template <class... Alternatives>
void expect_each_type_is_known(
    const std::variant<Alternatives...>*,
    ProtoResult<std::variant<Alternatives...>> (*decode)(std::string_view)) {
    auto check = [&](std::string_view type) {
        auto decoded = decode(R"({"type":")" + std::string(type) + R"("})");
        if (!decoded) {
            EXPECT_EQ(decoded.error().message.find("unknown message type"), std::string::npos)
                << type << ": " << decoded.error().message;
        }
    };
    (check(Alternatives::kType), ...);
}

TEST(MessageNames, TheDecoderKnowsEveryAlternativeByItsType) {
    expect_each_type_is_known(static_cast<const msg::Outer*>(nullptr), &msg::decode_outer);
    expect_each_type_is_known(static_cast<const msg::Inner*>(nullptr), &msg::decode_inner);
}

TEST(MessageNames, TypeNameIsTheStructsKType) {
    EXPECT_EQ(msg::type_name(msg::Outer{msg::DhClient{}}), "dh_client");
    EXPECT_EQ(msg::type_name(msg::Inner{msg::ChatDhClient{}}), "dh_client");
    EXPECT_EQ(msg::type_name(msg::Inner{msg::Chat{}}), "msg");
    EXPECT_EQ(msg::type_name(msg::Inner{msg::RekeyRequest{}}), "rekey_request");
    EXPECT_EQ(msg::type_name(msg::Outer{msg::Record{}}), msg::Record::kType);
}

TEST(MessageNames, EncodedMessagesCarryTheirKType) {
    auto text = msg::encode(msg::Outer{msg::Error{"malformed", "x"}});
    EXPECT_EQ(text, R"({"code":"malformed","message":"x","type":"error"})");
    auto ack = msg::encode(msg::Inner{msg::Ack{3, msg::DeliveryStatus::delivered, Bytes(1, 0)}});
    EXPECT_EQ(ack.reveal_text(crypto::SecretAccess{}),
              R"({"seqno":3,"sig":"AA==","status":"delivered","type":"ack"})");
}

// A role's variant holds only what its peer sends: the server cannot represent receiving a
// server_hello or an auth_ok, the client cannot represent receiving a hello or a login.
TEST(MessageNames, RoleVariantsHoldOnlyWhatThePeerSends) {
    static_assert(msg::is_alternative_v<msg::Hello, msg::ServerInbound>);
    static_assert(!msg::is_alternative_v<msg::ServerHello, msg::ServerInbound>);
    static_assert(!msg::is_alternative_v<msg::DhServer, msg::ServerInbound>);
    static_assert(!msg::is_alternative_v<msg::Hello, msg::ClientInbound>);
    static_assert(!msg::is_alternative_v<msg::AuthOk, msg::ServerInboundRecord>);
    static_assert(!msg::is_alternative_v<msg::RekeyRequest, msg::ServerInboundRecord>);
    static_assert(!msg::is_alternative_v<msg::Login, msg::ClientInboundRecord>);
    EXPECT_FALSE(msg::narrow<msg::ServerInbound>(msg::Outer{msg::ServerHello{}}));
    EXPECT_TRUE(msg::narrow<msg::ServerInbound>(msg::Outer{msg::Hello{}}));
    EXPECT_FALSE(msg::narrow<msg::ClientInboundRecord>(msg::Inner{msg::Login{}}));
    EXPECT_TRUE(msg::narrow<msg::ClientInboundRecord>(msg::Inner{msg::AuthOk{}}));
}

// The fuzz dictionary is a checked-in file (it also holds hand-picked edge values); this test
// keeps it complete: every kType, field name and enum spelling must be in it.
TEST(MessageNames, FuzzDictionaryHasEveryWireWord) {
    std::ifstream in(SECURECHAT_FUZZ_DICT);
    ASSERT_TRUE(in) << SECURECHAT_FUZZ_DICT;
    std::stringstream text;
    text << in.rdbuf();
    auto dict = text.str();
    auto words = msg::wire_vocabulary();
    EXPECT_GT(words.size(), 40u);
    for (auto word : words) {
        auto entry = "\"\\\"" + std::string(word) + "\\\"\"\n";
        EXPECT_NE(dict.find(entry), std::string::npos)
            << "tests/fuzz/protocol.dict lacks " << entry;
    }
}

}  // namespace
}  // namespace sc::proto

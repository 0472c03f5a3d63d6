#include "pki/names.h"

#include <gtest/gtest.h>

namespace sc::pki {
namespace {

TEST(EntityName, AcceptsFileAndDnsSafeNames) {
    for (const char* ok : {"server", "alice", "chat.example.com", "node-1", "bob_2", "127.0.0.1"}) {
        EXPECT_TRUE(check_entity_name(ok)) << ok;
    }
}

TEST(EntityName, RefusesPathsReservedNamesAndOddCharacters) {
    for (const char* bad :
         {"", "../etc/passwd", "a/b", ".hidden", "-rf", "ca", "index", "a b", "crlnumber", "x;y"}) {
        auto r = check_entity_name(bad);
        EXPECT_FALSE(r) << bad;
    }
    EXPECT_FALSE(check_entity_name(std::string(65, 'a')));
}

TEST(San, ParsesDnsAndIp) {
    EXPECT_EQ(*parse_san("DNS:chat.example.com"), "DNS:chat.example.com");
    EXPECT_EQ(*parse_san("dns:host"), "DNS:host");
    EXPECT_EQ(*parse_san("IP:10.0.0.1"), "IP:10.0.0.1");
    EXPECT_EQ(*parse_san("IP:::1"), "IP:::1");
    EXPECT_EQ(*parse_san("DNS:*.example.com"), "DNS:*.example.com");
}

TEST(San, RefusesWhatWouldInjectIntoTheExtensionOrIsNotAName) {
    for (const char* bad : {"host", "DNS:", "DNS:a,IP:1.2.3.4", "IP:300.1.1.1", "URI:http://x",
                            "DNS:-bad.example", "DNS:a..b", "DNS:x y"}) {
        EXPECT_FALSE(parse_san(bad)) << bad;
    }
}

TEST(San, BareNamesBecomeDnsOrIp) {
    EXPECT_EQ(san_for_name("server"), "DNS:server");
    EXPECT_EQ(san_for_name("192.168.1.2"), "IP:192.168.1.2");
}

}  // namespace
}  // namespace sc::pki

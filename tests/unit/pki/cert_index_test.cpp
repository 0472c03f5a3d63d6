#include "pki/cert_index.h"

#include <gtest/gtest.h>

#include "test_pki.h"

namespace sc::pki {
namespace {

TEST(CertIndex, ParsesOpenSslIndexFormat) {
    const char* text =
        "V\t271123141832Z\t\t4E5ADF84\tserver.crt\t/CN=server\n"
        "R\t271123141832Z\t261123141833Z,keyCompromise\t4198DBCC\talice.crt\t/CN=alice\n";
    auto index = CertIndex::parse(text);
    ASSERT_TRUE(index) << index.error().message;
    ASSERT_EQ(index->entries().size(), 2u);
    EXPECT_FALSE(index->entries()[0].revoked());
    EXPECT_TRUE(index->entries()[1].revoked());
    EXPECT_EQ(index->serialize(), text);
}

TEST(CertIndex, RefusesDamagedLinesNamingTheLine) {
    auto r = CertIndex::parse("V\t271123141832Z\t\t4E5ADF84\tserver.crt\t/CN=server\ngarbage\n");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("line 2"), std::string::npos);
}

TEST(CertIndex, RecordsIssuedAndRevokedCertificates) {
    auto ca = test::make_ca();
    auto leaf = test::issue(ca);
    CertIndex index;
    index.add_issued(leaf.cert, "server.crt");
    auto* entry = index.find(leaf.cert.serial_hex());
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->subject, "/CN=server");
    EXPECT_EQ(entry->file, "server.crt");
    index.mark_revoked(*entry, test::now());
    EXPECT_TRUE(entry->revoked());
    auto when = parse_index_time(entry->revoked_at);
    ASSERT_TRUE(when);
    EXPECT_LT(std::chrono::abs(*when - test::now()), std::chrono::minutes(1));
}

}  // namespace
}  // namespace sc::pki

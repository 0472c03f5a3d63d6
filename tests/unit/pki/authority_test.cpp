#include "pki/authority.h"

#include <gtest/gtest.h>

#include "test_pki.h"

namespace sc::pki {
namespace {

using namespace test;

TEST(Authority, RootHasCaConstraintsAndKeyUsage) {
    auto ca = make_ca("SecureChat CA");
    const auto& cert = ca.certificate();
    EXPECT_TRUE(cert.is_ca());
    EXPECT_EQ(cert.subject(), "CN=SecureChat CA");
    EXPECT_EQ(cert.issuer(), cert.subject());
    EXPECT_EQ(cert.key_usages(), (std::vector<std::string>{"keyCertSign", "cRLSign"}));
}

TEST(Authority, ServerCertificateProfile) {
    auto ca = make_ca();
    auto leaf = issue(
        ca, {.profile = Profile::server, .name = "server", .sans = {"DNS:server", "IP:127.0.0.1"}});
    EXPECT_FALSE(leaf.cert.is_ca());
    EXPECT_EQ(leaf.cert.extended_key_usages(), std::vector<std::string>{"serverAuth"});
    EXPECT_EQ(leaf.cert.key_usages(), std::vector<std::string>{"digitalSignature"});
    EXPECT_EQ(leaf.cert.subject_alt_names(),
              (std::vector<std::string>{"DNS:server", "IP:127.0.0.1"}));
    EXPECT_EQ(leaf.cert.common_name(), "server");
    EXPECT_TRUE(leaf.cert.public_key().same_key_as(leaf.key.public_key()));
}

TEST(Authority, ClientCertificateProfile) {
    auto ca = make_ca();
    auto leaf = issue(ca, {.profile = Profile::client, .name = "alice"});
    EXPECT_EQ(leaf.cert.extended_key_usages(), std::vector<std::string>{"clientAuth"});
}

TEST(Authority, SerialsAreRandom128BitPositive) {
    auto ca = make_ca();
    auto a = issue(ca).cert.serial();
    auto b = issue(ca).cert.serial();
    EXPECT_EQ(a.size(), 16u);
    EXPECT_EQ(b.size(), 16u);
    EXPECT_LT(a[0], 0x80);
    EXPECT_NE(a, b);
}

TEST(Authority, CrlListsRevokedSerialsAndTimes) {
    auto ca = make_ca();
    auto leaf = issue(ca);
    auto crl = ca.make_crl({{leaf.cert.serial(), now()}}, now() - 1h, now() + 24h, 7);
    ASSERT_TRUE(crl) << crl.error().message;
    EXPECT_EQ(crl->revoked_count(), 1);
    EXPECT_EQ(crl->issuer(), ca.certificate().subject());
    EXPECT_GT(crl->next_update(), now());
    auto reparsed = Crl::from_pem(crl->to_pem());
    ASSERT_TRUE(reparsed);
    EXPECT_EQ(reparsed->revoked_count(), 1);
}

TEST(Authority, RefusesToIssueARoot) {
    auto ca = make_ca();
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    CertSpec spec;
    spec.profile = Profile::root_ca;
    EXPECT_FALSE(ca.sign(key->public_key(), spec));
}

}  // namespace
}  // namespace sc::pki

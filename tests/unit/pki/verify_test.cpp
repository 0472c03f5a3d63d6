// One test per failure class of pki::verify_certificate, each with a certificate crafted for it,
// plus the happy paths for every key type.
#include "pki/verify.h"

#include <gtest/gtest.h>

#include <set>

#include "support/run_command.h"
#include "support/temp_dir.h"
#include "test_pki.h"

namespace sc::pki {
namespace {

using namespace test;
using crypto::KeyType;

// ---- happy paths ----

class EveryKeyType : public ::testing::TestWithParam<KeyType> {};

TEST_P(EveryKeyType, ServerAndClientCertificatesVerify) {
    auto ca = make_ca("Test CA", GetParam());
    auto server = issue(ca, {.profile = Profile::server, .name = "server", .key_type = GetParam()});
    auto client = issue(ca, {.profile = Profile::client, .name = "alice", .key_type = GetParam()});
    auto s = verify_certificate({server.cert}, policy_for(ca, "server", Purpose::server));
    ASSERT_TRUE(s) << s.error().message();
    EXPECT_TRUE(s->leaf().same_as(server.cert));
    EXPECT_EQ(s->chain().size(), 2u);
    auto c = verify_certificate({client.cert}, policy_for(ca, "alice", Purpose::client));
    ASSERT_TRUE(c) << c.error().message();
}

INSTANTIATE_TEST_SUITE_P(Keys, EveryKeyType, ::testing::ValuesIn(crypto::all_key_types()),
                         [](const auto& p) {
                             std::string name(crypto::key_type_name(p.param));
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(Verify, MixedKeyTypesInOneChain) {
    auto ca = make_ca("RSA CA", KeyType::rsa_2048);
    auto leaf = issue(ca, {.key_type = KeyType::ecdsa_p256});
    EXPECT_TRUE(verify_certificate({leaf.cert}, policy_for(ca)));
}

TEST(Verify, IpAddressNamesMatchIpSans) {
    auto ca = make_ca();
    auto leaf = issue(ca, {.name = "server", .sans = {"DNS:server", "IP:127.0.0.1", "IP:::1"}});
    EXPECT_TRUE(verify_certificate({leaf.cert}, policy_for(ca, "127.0.0.1")));
    EXPECT_TRUE(verify_certificate({leaf.cert}, policy_for(ca, "::1")));
    EXPECT_EQ(expect_refused({leaf.cert}, policy_for(ca, "10.0.0.1")).code,
              CertError::name_mismatch);
}

TEST(Verify, IntermediateCaWhenTheChainIsSupplied) {
    auto root = make_ca("Root");
    auto intermediate = make_intermediate_ca(root, "Intermediate");
    auto leaf = issue(intermediate, {.name = "server"});
    auto policy = policy_for(root);
    auto ok = verify_certificate({leaf.cert, intermediate.certificate()}, policy);
    ASSERT_TRUE(ok) << ok.error().message();
    EXPECT_EQ(ok->chain().size(), 3u);
    EXPECT_EQ(ok->presented().size(), 2u);  // as presented: the root is not among them
    EXPECT_EQ(ok->presented_der(),
              Certificate::chain_to_der({leaf.cert, intermediate.certificate()}));
    // Without the intermediate there is no path to the root.
    EXPECT_EQ(expect_refused({leaf.cert}, policy).code, CertError::unknown_issuer);
}

TEST(Verify, ClockSkewIsAllowedUpToTheConfiguredAmount) {
    auto ca = make_ca();
    auto leaf = issue(ca, {.not_after = now() - 60s});
    auto policy = policy_for(ca);
    policy.clock_skew = 300s;
    EXPECT_TRUE(verify_certificate({leaf.cert}, policy));
    policy.clock_skew = 0s;
    EXPECT_EQ(expect_refused({leaf.cert}, policy).code, CertError::expired);
}

// ---- one test per failure class ----

TEST(VerifyFailure, Expired) {
    auto ca = make_ca();
    auto leaf = issue(ca, expired({}));
    auto f = expect_refused({leaf.cert}, policy_for(ca));
    EXPECT_EQ(f.code, CertError::expired);
    EXPECT_NE(f.message().find("certificate has expired [expired]"), std::string::npos)
        << f.message();
}

TEST(VerifyFailure, NotYetValid) {
    auto ca = make_ca();
    auto leaf = issue(ca, not_yet_valid({}));
    auto f = expect_refused({leaf.cert}, policy_for(ca));
    EXPECT_EQ(f.code, CertError::not_yet_valid);
    EXPECT_NE(f.message().find("not yet valid"), std::string::npos);
}

TEST(VerifyFailure, UnknownIssuerAnotherCa) {
    auto ours = make_ca("SecureChat CA");
    auto theirs = make_ca("SecureChat CA");  // same name, different key
    auto leaf = issue(theirs);
    auto f = expect_refused({leaf.cert}, policy_for(ours));
    EXPECT_EQ(f.code, CertError::unknown_issuer) << f.message();
    EXPECT_NE(f.message().find("not issued by the trusted CA"), std::string::npos);
}

TEST(VerifyFailure, UnknownIssuerSelfSigned) {
    auto ours = make_ca();
    auto self_signed = make_ca("server");
    auto f = expect_refused({self_signed.certificate()}, policy_for(ours));
    EXPECT_EQ(f.code, CertError::unknown_issuer) << f.message();
}

TEST(VerifyFailure, NameMismatch) {
    auto ca = make_ca();
    auto leaf = issue(ca, {.name = "server"});
    auto f = expect_refused({leaf.cert}, policy_for(ca, "evil.example"));
    EXPECT_EQ(f.code, CertError::name_mismatch);
    EXPECT_NE(f.message().find("expected 'evil.example'"), std::string::npos);
    EXPECT_NE(f.message().find("DNS:server"), std::string::npos);
}

TEST(VerifyFailure, NameMatchesOnlyTheSanWhenThereIsOne) {
    // CN says "server" but the SAN says "other": RFC 6125 ignores the CN.
    auto ca = make_ca();
    auto leaf = issue(ca, {.name = "server", .sans = {"DNS:other"}});
    EXPECT_EQ(expect_refused({leaf.cert}, policy_for(ca, "server")).code, CertError::name_mismatch);
    EXPECT_TRUE(verify_certificate({leaf.cert}, policy_for(ca, "other")));
}

TEST(VerifyFailure, WrongPurposeClientCertAsServer) {
    auto ca = make_ca();
    auto leaf = issue(ca, {.profile = Profile::client, .name = "server"});
    auto f = expect_refused({leaf.cert}, policy_for(ca, "server", Purpose::server));
    EXPECT_EQ(f.code, CertError::wrong_purpose);
    EXPECT_NE(f.message().find("serverAuth"), std::string::npos);
}

TEST(VerifyFailure, WrongPurposeServerCertAsClient) {
    auto ca = make_ca();
    auto leaf = issue(ca, {.profile = Profile::server, .name = "alice"});
    EXPECT_EQ(expect_refused({leaf.cert}, policy_for(ca, "alice", Purpose::client)).code,
              CertError::wrong_purpose);
}

TEST(VerifyFailure, WrongPurposeCaCertificateAsPeer) {
    auto ca = make_ca("server");
    auto f = expect_refused({ca.certificate()}, policy_for(ca, "server"));
    EXPECT_EQ(f.code, CertError::wrong_purpose);
    EXPECT_NE(f.message().find("CA certificate"), std::string::npos);
}

TEST(VerifyFailure, Revoked) {
    auto ca = make_ca();
    auto leaf = issue(ca);
    auto other = issue(ca, {.name = "other"});
    auto policy = policy_for(ca);
    policy.crls.push_back(make_crl(ca, {&leaf.cert}));
    auto f = expect_refused({leaf.cert}, policy);
    EXPECT_EQ(f.code, CertError::revoked);
    EXPECT_NE(f.message().find("revoked"), std::string::npos);
    policy.expected_name = "other";
    EXPECT_TRUE(verify_certificate({other.cert}, policy))
        << "an unrevoked certificate still passes";
}

TEST(VerifyFailure, WeakKeyRsa1024) {
    // Our tools refuse to make RSA-1024 keys, so this one comes from OpenSSL directly.
    auto ca = make_ca();
    sc::test::TempDir dir;
    auto gen =
        sc::test::run_command({"openssl", "genrsa", "-out", (dir / "weak.key").string(), "1024"});
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    auto pem = sc::test::read_text(dir / "weak.key");
    auto key = crypto::PrivateKey::from_pem(crypto::SecretBytes(as_bytes(pem)));
    ASSERT_TRUE(key) << key.error().message;
    auto leaf = issue_with_key(ca, std::move(key).value(), {});
    auto f = expect_refused({leaf.cert}, policy_for(ca));
    EXPECT_EQ(f.code, CertError::weak_key_or_algorithm) << f.message();
}

TEST(VerifyFailure, BadSignature) {
    auto ca = make_ca();
    auto leaf = issue(ca);
    Bytes der = leaf.cert.to_der();
    der.back() ^= 0x01;  // the last bytes of the DER are the signature value
    auto tampered = Certificate::from_der(der);
    ASSERT_TRUE(tampered) << tampered.error().message;
    auto f = expect_refused({*tampered}, policy_for(ca));
    EXPECT_EQ(f.code, CertError::bad_signature) << f.message();
    EXPECT_NE(f.message().find("signature"), std::string::npos);
}

TEST(VerifyFailure, BadSignatureAfterChangingTheSubject) {
    auto ca = make_ca();
    auto leaf = issue(ca, {.name = "server"});
    Bytes der = leaf.cert.to_der();
    // Change one byte of the SAN "server" -> "sesver" inside the signed part.
    std::string text(der.begin(), der.end());
    auto at = text.find("server");
    ASSERT_NE(at, std::string::npos);
    der[at + 2] = 's';
    auto tampered = Certificate::from_der(der);
    ASSERT_TRUE(tampered);
    EXPECT_EQ(expect_refused({*tampered}, policy_for(ca, "sesver")).code, CertError::bad_signature);
}

TEST(VerifyFailure, Malformed) {
    EXPECT_FALSE(Certificate::chain_from_pem("not a certificate"));
    EXPECT_FALSE(Certificate::chain_from_pem(
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    auto ca = make_ca();
    auto leaf = issue(ca);
    Bytes der = leaf.cert.to_der();
    for (std::size_t cut : {std::size_t{0}, std::size_t{1}, der.size() / 2, der.size() - 1}) {
        EXPECT_FALSE(Certificate::from_der(ByteView(der).first(cut))) << "cut at " << cut;
    }
    auto f = expect_refused({}, policy_for(ca));
    EXPECT_EQ(f.code, CertError::malformed);
}

TEST(VerifyFailure, IssuerNotACa) {
    auto ca = make_ca();
    auto middle = issue(ca, {.name = "middle"});  // an end-entity certificate...
    CertificateAuthority fake(middle.cert, std::move(middle.key));
    auto leaf = issue(fake, {.name = "server"});  // ...used to sign another
    auto f = expect_refused({leaf.cert, fake.certificate()}, policy_for(ca));
    EXPECT_EQ(f.code, CertError::issuer_not_ca) << f.message();
}

TEST(VerifyFailure, CrlOutOfDate) {
    auto ca = make_ca();
    auto leaf = issue(ca);
    auto crl = ca.make_crl({}, now() - 48h, now() - 24h, 1);
    ASSERT_TRUE(crl);
    auto policy = policy_for(ca);
    policy.crls.push_back(*crl);
    auto f = expect_refused({leaf.cert}, policy);
    EXPECT_EQ(f.code, CertError::crl_problem);
    EXPECT_NE(f.message().find("out of date"), std::string::npos);
}

TEST(VerifyFailure, CrlFromAnotherCa) {
    auto ca = make_ca("SecureChat CA");
    auto other = make_ca("SecureChat CA");
    auto leaf = issue(ca);
    auto crl = other.make_crl({}, now() - 1h, now() + 24h, 1);
    ASSERT_TRUE(crl);
    auto policy = policy_for(ca);
    policy.crls.push_back(*crl);
    EXPECT_EQ(expect_refused({leaf.cert}, policy).code, CertError::crl_problem);
}

TEST(CertError, EveryClassHasADistinctName) {
    std::set<std::string_view> names;
    constexpr auto last = CertError::unsupported_key;
    for (int i = 0; i <= static_cast<int>(last); ++i) {
        names.insert(cert_error_name(static_cast<CertError>(i)));
    }
    EXPECT_EQ(names.size(), static_cast<std::size_t>(last) + 1);
    EXPECT_FALSE(names.contains("unknown"));
}

}  // namespace
}  // namespace sc::pki

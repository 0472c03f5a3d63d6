// Regression tests for the December 2026 review findings in certificate verification (L11, the
// M1 part at the source) and the spec deviations of issue 8 §4 (look-alike CA, intermediates).
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/verify.h"
#include "test_pki.h"

namespace sc::pki {
namespace {

using namespace test;
using crypto::KeyType;

bool has_control_bytes(const std::string& text) {
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) {
            return true;
        }
    }
    return false;
}

// ---- L11: only the three key types of PROTOCOL.md §3.2, and EKU required ----

TEST(Hardening, L11_Ed448AndP384LeavesAreRefusedAsUnsupportedKeys) {
    auto ca = make_ca();
    struct Case {
        std::vector<std::string> genpkey;
        std::string named;
    };
    for (const Case& c :
         {Case{{"-algorithm", "ED448"}, "Ed448"},
          Case{{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}, "secp384r1"},
          Case{{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"}, "secp521r1"}}) {
        auto leaf = issue_with_key(ca, openssl_key(c.genpkey), {});
        auto f = expect_refused({leaf.cert}, policy_for(ca));
        EXPECT_EQ(f.code, CertError::unsupported_key) << f.message();
        EXPECT_NE(f.message().find("[unsupported_key]"), std::string::npos) << f.message();
        EXPECT_NE(f.message().find(c.named), std::string::npos) << f.message();
    }
    // The three supported types still pass (and so do other RSA sizes, see verify_test.cpp).
    for (auto type : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::rsa_2048}) {
        auto leaf = issue(ca, {.key_type = type});
        auto ok = verify_certificate({leaf.cert}, policy_for(ca));
        EXPECT_TRUE(ok) << ok.error().message();
    }
}

TEST(Hardening, L11_LeafWithoutEkuIsRefusedUnlessLegacySeedCertsAreAllowed) {
    auto ca = make_ca();
    for (auto purpose : {Purpose::server, Purpose::client}) {
        auto leaf =
            issue(ca, {.profile = purpose == Purpose::server ? Profile::server : Profile::client});
        auto no_eku =
            tweak_and_resign(leaf.cert, {.remove_extensions = {NID_ext_key_usage}}, ca.key());
        ASSERT_TRUE(no_eku.extended_key_usages().empty());
        auto policy = policy_for(ca, "server", purpose);
        auto f = expect_refused({no_eku}, policy);
        EXPECT_EQ(f.code, CertError::wrong_purpose) << f.message();
        EXPECT_NE(f.message().find("no extendedKeyUsage"), std::string::npos) << f.message();
        EXPECT_NE(f.message().find(purpose == Purpose::server ? "serverAuth" : "clientAuth"),
                  std::string::npos)
            << f.message();
        policy.allow_legacy_seed_certs = true;
        auto ok = verify_certificate({no_eku}, policy);
        EXPECT_TRUE(ok) << ok.error().message();
    }
}

TEST(Hardening, L11_LegacyOptInDoesNotLetAClientCertificateActAsServer) {
    // The opt-in accepts certificates without EKU; one whose EKU says clientAuth stays a client.
    auto ca = make_ca();
    auto client = issue(ca, {.profile = Profile::client, .name = "server"});
    auto policy = policy_for(ca, "server", Purpose::server);
    policy.allow_legacy_seed_certs = true;
    EXPECT_EQ(expect_refused({client.cert}, policy).code, CertError::wrong_purpose);
}

// ---- issue 8 §4: a look-alike CA is unknown_issuer, a damaged certificate bad_signature ----

TEST(Hardening, Spec4_LookAlikeCaWithoutAkidIsUnknownIssuer) {
    auto ours = make_ca("SecureChat CA");
    auto theirs = make_ca("SecureChat CA");  // the same name, another key
    auto leaf = issue(theirs);
    auto look_alike = tweak_and_resign(
        leaf.cert, {.remove_extensions = {NID_authority_key_identifier}}, theirs.key());
    ASSERT_EQ(X509_get0_authority_key_id(look_alike.native()), nullptr);
    auto f = expect_refused({look_alike}, policy_for(ours));
    EXPECT_EQ(f.code, CertError::unknown_issuer) << f.message();
    EXPECT_NE(f.message().find("look-alike"), std::string::npos) << f.message();
    // With an AKID naming their key it was unknown_issuer already; it stays so.
    EXPECT_EQ(expect_refused({leaf.cert}, policy_for(ours)).code, CertError::unknown_issuer);
    // One of ours with a changed signature names our key: that is bad_signature.
    auto mine = issue(ours);
    Bytes der = mine.cert.to_der();
    der.back() ^= 0x01;
    auto damaged = Certificate::from_der(der);
    ASSERT_TRUE(damaged);
    EXPECT_EQ(expect_refused({*damaged}, policy_for(ours)).code, CertError::bad_signature);
}

TEST(Hardening, Spec4_LookAlikeCaOfAnotherKeyTypeIsUnknownIssuer) {
    auto ours = make_ca("SecureChat CA", KeyType::ed25519);
    auto theirs = make_ca("SecureChat CA", KeyType::rsa_2048);
    auto leaf = issue(theirs);
    auto look_alike = tweak_and_resign(
        leaf.cert, {.remove_extensions = {NID_authority_key_identifier}}, theirs.key());
    auto f = expect_refused({look_alike}, policy_for(ours));
    EXPECT_EQ(f.code, CertError::unknown_issuer) << f.message();
}

// ---- issue 12 §8: the evidence carries chains, so intermediates are accepted (issue 8 §4 refused
// them while evidence held only leaves); with CRLs, every CA's CRL is needed ----

TEST(Hardening, Spec4_IntermediateCaIsAcceptedAndEveryCaOfThePathIsCheckedForRevocation) {
    auto root = make_ca("Root");
    auto intermediate = make_intermediate_ca(root, "Intermediate");
    auto leaf = issue(intermediate, {.profile = Profile::client, .name = "alice"});
    const std::vector<Certificate> presented{leaf.cert, intermediate.certificate()};
    auto policy = policy_for(root, "alice", Purpose::client);
    auto ok = verify_certificate(presented, policy);
    EXPECT_TRUE(ok) << ok.error().message();

    // The root's CRL alone cannot say whether the leaf is revoked: refused, not guessed.
    policy.crls = {make_crl(root, {})};
    EXPECT_EQ(expect_refused(presented, policy).code, CertError::crl_problem);
    // The intermediate's CRL alone cannot say whether the intermediate is revoked.
    policy.crls = {make_crl(intermediate, {})};
    EXPECT_EQ(expect_refused(presented, policy).code, CertError::crl_problem);
    policy.crls = {make_crl(root, {}), make_crl(intermediate, {})};
    auto both = verify_certificate(presented, policy);
    EXPECT_TRUE(both) << both.error().message();
    // A revoked leaf, and a revoked intermediate (which voids every leaf under it).
    policy.crls = {make_crl(root, {}), make_crl(intermediate, {&leaf.cert})};
    EXPECT_EQ(expect_refused(presented, policy).code, CertError::revoked);
    policy.crls = {make_crl(root, {&intermediate.certificate()}), make_crl(intermediate, {})};
    EXPECT_EQ(expect_refused(presented, policy).code, CertError::revoked);

    // A leaf of the root itself, sent with a needless extra certificate, is still fine.
    auto direct = issue(root, {.profile = Profile::client, .name = "alice"});
    policy.crls = {make_crl(root, {})};
    auto fine = verify_certificate({direct.cert, intermediate.certificate()}, policy);
    EXPECT_TRUE(fine) << fine.error().message();
}

// ---- M1 at the source: names are UTF-8 text, and error texts show controls visibly ----

TEST(Hardening, M1_BmpStringCommonNameIsConvertedToUtf8) {
    auto ca = make_ca();
    auto leaf = issue(ca);
    // "Jé" + ESC "[2J" as UTF-16BE.
    const std::string bmp("\0J\0\xe9\0\x1b\0[\0002\0J", 12);
    auto cert = tweak_and_resign(leaf.cert, {.common_name = {{V_ASN1_BMPSTRING, bmp}}}, ca.key());
    EXPECT_EQ(cert.common_name(), "J\xc3\xa9\x1b[2J");  // UTF-8, never the raw UTF-16 bytes
    EXPECT_EQ(cert.common_name().find('\0'), std::string::npos);
    // The RFC 2253 subject is converted too, then escaped to ASCII.
    EXPECT_EQ(cert.subject(), "CN=J\\C3\\A9\\1B[2J") << cert.subject();
    // An odd-length BMPString cannot be decoded: a placeholder, not its bytes.
    auto broken = tweak_and_resign(
        leaf.cert, {.common_name = {{V_ASN1_BMPSTRING, std::string("\0J\x1b", 3)}}}, ca.key());
    EXPECT_FALSE(has_control_bytes(broken.common_name())) << broken.common_name();
}

TEST(Hardening, M1_CertificateNamesInErrorTextsAreMadeVisible) {
    const std::string hostile =
        "\x1b]0;owned\x07\x1b[2J\xc2\x9b"
        "31m\xe2\x80\xae";
    // A self-signed certificate, refused as unknown_issuer, whose CN carries the escapes.
    auto ours = make_ca();
    auto self_signed = make_ca(hostile);
    auto f = expect_refused({self_signed.certificate()}, policy_for(ours));
    EXPECT_EQ(f.code, CertError::unknown_issuer);
    EXPECT_FALSE(has_control_bytes(f.message())) << f.message();
    EXPECT_NE(f.message().find("\\x1b]0;owned\\x07"), std::string::npos) << f.message();
    EXPECT_EQ(f.message().find("\xc2\x9b"), std::string::npos) << "C1 CSI shown raw";
    EXPECT_EQ(f.message().find("\xe2\x80\xae"), std::string::npos) << "bidi override shown raw";

    // A CN-only certificate (no SAN) whose BMPString CN holds ESC: the name_mismatch text.
    auto leaf = issue(ours);
    const std::string bmp("\0x\0\x1b\0[\0002\0J", 10);
    auto cn_only = tweak_and_resign(
        leaf.cert,
        {.remove_extensions = {NID_subject_alt_name}, .common_name = {{V_ASN1_BMPSTRING, bmp}}},
        ours.key());
    auto g = expect_refused({cn_only}, policy_for(ours, "server\x1b[1m"));
    EXPECT_EQ(g.code, CertError::name_mismatch) << g.message();
    EXPECT_FALSE(has_control_bytes(g.message())) << g.message();
    EXPECT_NE(g.message().find("CN=x\\x1b[2J"), std::string::npos) << g.message();
}

}  // namespace
}  // namespace sc::pki

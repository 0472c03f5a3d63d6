// Reading a user and a device out of a certificate or a request (docs/PKI.md, "Users and
// devices"). The odd shapes are built with OpenSSL directly: our CA never makes them.
#include "pki/user_identity.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/keys.h"
#include "pki/certificate_request.h"
#include "test_pki.h"

namespace sc::pki {
namespace {

// A self-signed certificate with exactly these subject CNs and subjectAltName extensions
// (each string one extension, in OpenSSL's config syntax). user_identity reads names only.
Certificate crafted(const std::vector<std::string>& cns, const std::vector<std::string>& sans) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519).value();
    X509* cert = X509_new();
    SC_CHECK(cert != nullptr);
    X509_set_version(cert, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_NAME* name = X509_get_subject_name(cert);
    for (const auto& cn : cns) {
        SC_CHECK(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                            reinterpret_cast<const unsigned char*>(cn.data()),
                                            static_cast<int>(cn.size()), -1, 0) == 1);
    }
    X509_set_issuer_name(cert, name);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key.native());
    for (const auto& san : sans) {
        X509_EXTENSION* ext =
            X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
        SC_CHECK(ext != nullptr);
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }
    SC_CHECK(X509_sign(cert, key.native(), nullptr) > 0);
    return Certificate::adopt(cert);
}

std::string reason(const Result<UserIdentity>& identity) {
    return identity ? "(accepted)" : identity.error().message;
}

TEST(UserIdentity, CnIsTheUserAndTheDeviceUriTheDevice) {
    auto id = user_identity(crafted({"alice"}, {"DNS:alice,URI:urn:securechat:device:laptop"}));
    ASSERT_TRUE(id) << reason(id);
    EXPECT_EQ(id->username, "alice");
    EXPECT_EQ(id->device_name, "laptop");
}

TEST(UserIdentity, NoDeviceUriIsTheDefaultDevice) {
    auto id = user_identity(crafted({"alice"}, {"DNS:alice"}));
    ASSERT_TRUE(id) << reason(id);
    EXPECT_EQ(id->device_name, "default");
    // The seeds' certificates: CN only, no extensions at all.
    id = user_identity(crafted({"client"}, {}));
    ASSERT_TRUE(id) << reason(id);
    EXPECT_EQ(id->username, "client");
    EXPECT_EQ(id->device_name, "default");
}

TEST(UserIdentity, OtherUrisAreNotDevices) {
    auto id =
        user_identity(crafted({"alice"}, {"URI:https://example.com/alice,URI:urn:other:device:x"}));
    ASSERT_TRUE(id) << reason(id);
    EXPECT_EQ(id->device_name, "default");
}

TEST(UserIdentity, RefusesAMissingOrDoubleCommonName) {
    auto id = user_identity(crafted({}, {"DNS:alice"}));
    EXPECT_NE(reason(id).find("no common name"), std::string::npos) << reason(id);
    id = user_identity(crafted({"alice", "bob"}, {}));
    EXPECT_NE(reason(id).find("more than one common name"), std::string::npos) << reason(id);
}

TEST(UserIdentity, RefusesACommonNameThatIsNotAUsername) {
    for (const char* bad : {"a b", "x", "1alice", "alice/../bob", "server.example.com!"}) {
        auto id = user_identity(crafted({bad}, {}));
        EXPECT_NE(reason(id).find("is not a username"), std::string::npos) << bad << reason(id);
    }
}

TEST(UserIdentity, RefusesAMalformedOrDoubleDeviceName) {
    auto id = user_identity(crafted({"alice"}, {"URI:urn:securechat:device:a/b"}));
    EXPECT_NE(reason(id).find("malformed"), std::string::npos) << reason(id);
    id = user_identity(crafted({"alice"}, {"URI:urn:securechat:device:"}));
    EXPECT_NE(reason(id).find("malformed"), std::string::npos) << reason(id);
    id = user_identity(
        crafted({"alice"}, {"URI:urn:securechat:device:a,URI:urn:securechat:device:b"}));
    EXPECT_NE(reason(id).find("more than one device name"), std::string::npos) << reason(id);
    // URN namespaces are case-insensitive: a second spelling is still a second device name.
    id = user_identity(
        crafted({"alice"}, {"URI:urn:securechat:device:a,URI:URN:SecureChat:device:b"}));
    EXPECT_NE(reason(id).find("more than one device name"), std::string::npos) << reason(id);
}

TEST(UserIdentity, RefusesTwoSubjectAltNameExtensions) {
    auto id = user_identity(
        crafted({"alice"}, {"URI:urn:securechat:device:a", "URI:urn:securechat:device:b"}));
    EXPECT_NE(reason(id).find("duplicated or malformed"), std::string::npos) << reason(id);
}

TEST(UserIdentity, DeviceIdIsTheSha256Fingerprint) {
    auto cert = crafted({"alice"}, {});
    EXPECT_EQ(device_id(cert), cert.fingerprint_text());
    EXPECT_EQ(device_id(cert).size(), 32u * 3 - 1);
}

TEST(UserIdentity, ReadsTheSameNamesFromARequest) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ecdsa_p256).value();
    auto csr = CertificateRequest::create(key, "alice", "laptop");
    ASSERT_TRUE(csr) << csr.error().message;
    EXPECT_TRUE(csr->check_signature());
    auto id = user_identity(*csr);
    ASSERT_TRUE(id) << reason(id);
    EXPECT_EQ(id->username, "alice");
    EXPECT_EQ(id->device_name, "laptop");
    auto plain = CertificateRequest::create(key, "alice", "");
    ASSERT_TRUE(plain);
    EXPECT_EQ(user_identity(*plain)->device_name, "default");
    // A PEM round trip keeps the request and its signature.
    auto again = CertificateRequest::from_pem(csr->to_pem());
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_TRUE(again->check_signature());
    EXPECT_EQ(again->subject(), "CN=alice");
}

TEST(UserIdentity, IssuedClientCertificatesNameTheirUser) {
    auto ca = test::make_ca();
    auto leaf = test::issue(
        ca,
        {.profile = Profile::client, .name = "alice", .sans = {"DNS:alice", device_san("phone")}});
    auto id = user_identity(leaf.cert);
    ASSERT_TRUE(id) << reason(id);
    EXPECT_EQ(id->username, "alice");
    EXPECT_EQ(id->device_name, "phone");
}

}  // namespace
}  // namespace sc::pki

// Identity binding and the device of a certificate, without a server: which requests a
// certificate may make, the refusal's words (the same whatever the store holds, since the
// store is not asked), and the device a login records.
#include "server/device_identity.h"

#include <gtest/gtest.h>

#include "pki/user_identity.h"
#include "testing/test_pki.h"

namespace sc::server {
namespace {

const pki::CertificateAuthority& test_ca() {
    static const auto ca = test::make_root_ca();
    return ca;
}

pki::Certificate client_cert(const std::string& cn, std::vector<std::string> sans,
                             const pki::CertificateAuthority& ca = test_ca()) {
    return test::issue(ca, {.profile = pki::Profile::client, .name = cn, .sans = std::move(sans)})
        .cert;
}

// As the handshake verifies it (any client name).
pki::VerifiedCertificate verified(const std::vector<pki::Certificate>& presented) {
    pki::VerifyPolicy policy(test_ca().certificate());
    policy.purpose = pki::Purpose::client;
    auto v = pki::verify_certificate(presented, policy);
    if (!v) {
        throw std::runtime_error(v.error().message());
    }
    return std::move(v).value();
}

TEST(IdentityBinding, TheCertificatesUserMayRegisterAndLogInInAnyCase) {
    auto alice = client_cert("alice", {"DNS:alice"});
    EXPECT_FALSE(identity_mismatch(alice, "alice", false));
    EXPECT_FALSE(identity_mismatch(alice, "ALICE", true));
    EXPECT_TRUE(same_username("Alice", "aLICE"));
    EXPECT_FALSE(same_username("alice", "alice2"));
}

TEST(IdentityBinding, AnotherUserIsIdentityMismatchInPlainWords) {
    auto alice = client_cert("alice", {"DNS:alice"});
    auto login = identity_mismatch(alice, "bob", false);
    ASSERT_TRUE(login);
    EXPECT_EQ(login->code, proto::ErrorCode::identity_mismatch);
    EXPECT_EQ(login->message, "this certificate is alice's; it cannot log in as bob");
    EXPECT_EQ(identity_mismatch(alice, "bob", true)->message,
              "this certificate is alice's; it cannot register bob");
    // A requested name that is no username is not echoed.
    EXPECT_EQ(identity_mismatch(alice, "bob\x1b[2J", false)->message,
              "this certificate is alice's; it cannot log in as another user");
}

TEST(IdentityBinding, ACertificateNamingNoValidUserMayNotLogInAtAll) {
    auto odd = client_cert("Not A Username", {"DNS:odd"});
    auto refused = identity_mismatch(odd, "Not A Username", false);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, proto::ErrorCode::identity_mismatch);
    EXPECT_NE(refused->message.find("names no user"), std::string::npos) << refused->message;
}

TEST(DeviceOfCertificate, FingerprintIsLowercaseHexOfTheDerAndTheNameDefaultsToDefault) {
    auto alice = client_cert("alice", {"DNS:alice"});
    auto device = device_of(verified({alice}));
    EXPECT_EQ(device.fingerprint.size(), 64u);
    EXPECT_EQ(device.fingerprint, alice.fingerprint().hex());
    EXPECT_EQ(device.fingerprint.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(device.name, "default");
    EXPECT_EQ(device.der, alice.to_der());
    auto phone = client_cert("alice", {"DNS:alice", pki::device_san("phone")});
    EXPECT_EQ(device_of(verified({phone})).name, "phone");
    // A certificate that names no user is still a device (binding off lets it in).
    EXPECT_EQ(device_of(verified({client_cert("Not A Username", {"DNS:odd"})})).name, "default");
}

TEST(DeviceOfCertificate, ADeviceOfAnIntermediateCaKeepsTheChainItPresented) {
    auto intermediate = test::make_intermediate_ca(test_ca(), "Devices CA");
    auto alice = client_cert("alice", {"DNS:alice"}, intermediate);
    auto device = device_of(verified({alice, intermediate.certificate()}));
    EXPECT_EQ(device.fingerprint, alice.fingerprint().hex());  // the id is the leaf's
    EXPECT_EQ(device.der, pki::Certificate::chain_to_der({alice, intermediate.certificate()}));
}

}  // namespace
}  // namespace sc::server

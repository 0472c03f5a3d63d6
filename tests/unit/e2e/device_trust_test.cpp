// docs/PROTOCOL.md §10.1 and §10.2: a device certificate is used only when the CA vouches for it
// for that user, and a bundle only when both prekey signatures verify with it.
#include "e2e/device_trust.h"

#include <gtest/gtest.h>

#include <chrono>

#include "e2e/prekeys.h"
#include "testing/test_pki.h"

namespace sc::e2e {
namespace {

using namespace std::chrono_literals;

std::uint64_t now_ms() {
    return proto::unix_millis(std::chrono::system_clock::now());
}

test::LeafSpec device_spec(const std::string& user, const std::string& device) {
    test::LeafSpec spec;
    spec.profile = pki::Profile::client;
    spec.name = user;
    spec.sans = {"URI:urn:securechat:device:" + device};
    return spec;
}

struct Fixture {
    pki::CertificateAuthority ca = test::make_root_ca();
    test::Leaf bob = test::issue(ca, device_spec("bob", "laptop"));

    proto::Trust trust() const {
        proto::Trust t{ca.certificate(), {}};
        return t;
    }

    // A bundle as an honest server serves it: bob's certificate and two signed prekeys.
    proto::msg::KeyBundle bundle(const test::Leaf& leaf) const {
        proto::msg::KeyBundle b;
        b.user = "bob";
        b.cert = leaf.cert.to_der();
        auto fp = leaf.cert.fingerprint();
        b.device = fp.hex();
        b.spk_id = 7;
        b.spk = Bytes(32, 0x11);
        b.spk_ts = 1000;
        b.spk_sig =
            sign_prekey(leaf.key, PrekeyKind::signed_prekey, fp, b.spk_id, b.spk, b.spk_ts).value();
        b.otk_id = 9;
        b.otk = Bytes(32, 0x22);
        b.otk_ts = 2000;
        b.otk_sig =
            sign_prekey(leaf.key, PrekeyKind::one_time, fp, b.otk_id, b.otk, b.otk_ts).value();
        return b;
    }
};

TEST(DeviceTrust, AcceptsADeviceTheCaVouchesForWithItsUserDeviceAndFingerprint) {
    Fixture f;
    auto device = verify_device(f.bob.cert.to_der(), "Bob", f.trust(), now_ms());
    ASSERT_TRUE(device) << device.error().message;
    EXPECT_EQ(device.value().user, "bob");
    EXPECT_EQ(device.value().name, "laptop");
    EXPECT_TRUE(device.value().fp == f.bob.cert.fingerprint());
    EXPECT_EQ(device.value().cert_der, f.bob.cert.to_der());
}

TEST(DeviceTrust, RefusesACertificateNamingAnotherUserAndSaysWhom) {
    Fixture f;
    auto carol = test::issue(f.ca, device_spec("carol", "phone"));
    auto device = verify_device(carol.cert.to_der(), "bob", f.trust(), now_ms());
    ASSERT_FALSE(device);
    EXPECT_EQ(device.error().code, "bad_certificate");
    EXPECT_NE(device.error().message.find("the certificate of bob's device names carol"),
              std::string::npos)
        << device.error().message;
}

TEST(DeviceTrust, RefusesACertificateOfAnotherCa) {
    Fixture f;
    auto other = test::make_root_ca("Other CA");
    auto forged = test::issue(other, device_spec("bob", "laptop"));
    auto device = verify_device(forged.cert.to_der(), "bob", f.trust(), now_ms());
    ASSERT_FALSE(device);
    EXPECT_NE(device.error().message.find("not issued by our CA"), std::string::npos)
        << device.error().message;
}

TEST(DeviceTrust, RefusesAnExpiredCertificate) {
    Fixture f;
    auto old = test::issue(f.ca, test::expired(device_spec("bob", "laptop")));
    auto device = verify_device(old.cert.to_der(), "bob", f.trust(), now_ms());
    ASSERT_FALSE(device);
    EXPECT_NE(device.error().message.find("expired"), std::string::npos) << device.error().message;
}

TEST(DeviceTrust, JudgesValidityAtTheGivenTime) {
    Fixture f;
    auto later = now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(72h).count();
    auto device = verify_device(f.bob.cert.to_der(), "bob", f.trust(), later);
    ASSERT_FALSE(device);
    EXPECT_NE(device.error().message.find("expired"), std::string::npos) << device.error().message;
}

TEST(DeviceTrust, RefusesARevokedCertificateUnderTheCrlHeld) {
    Fixture f;
    auto trust = f.trust();
    trust.crls.push_back(test::make_crl(f.ca, {&f.bob.cert}));
    auto device = verify_device(f.bob.cert.to_der(), "bob", trust, now_ms());
    ASSERT_FALSE(device);
    EXPECT_NE(device.error().message.find("revoked"), std::string::npos) << device.error().message;
}

TEST(DeviceTrust, RefusesAServerCertificate) {
    Fixture f;
    test::LeafSpec spec = device_spec("bob", "laptop");
    spec.profile = pki::Profile::server;
    spec.sans = {"DNS:bob"};
    auto server = test::issue(f.ca, spec);
    auto device = verify_device(server.cert.to_der(), "bob", f.trust(), now_ms());
    ASSERT_FALSE(device);
    EXPECT_NE(device.error().message.find("not a client certificate"), std::string::npos)
        << device.error().message;
}

TEST(DeviceTrust, RefusesBytesThatAreNoCertificate) {
    Fixture f;
    auto device = verify_device(Bytes{1, 2, 3}, "bob", f.trust(), now_ms());
    ASSERT_FALSE(device);
    EXPECT_EQ(device.error().code, "bad_certificate");
}

TEST(DeviceTrust, AcceptsABundleWhoseTwoPrekeySignaturesVerify) {
    Fixture f;
    auto bundle = verify_bundle(f.bundle(f.bob), "bob", f.trust(), now_ms());
    ASSERT_TRUE(bundle) << bundle.error().message;
    EXPECT_EQ(bundle.value().spk_id, 7u);
    EXPECT_EQ(bundle.value().otk_id, 9u);
    EXPECT_EQ(bundle.value().spk, Bytes(32, 0x11));
    EXPECT_EQ(bundle.value().device.name, "laptop");
}

TEST(DeviceTrust, AcceptsABundleWithoutAOneTimePrekey) {
    Fixture f;
    auto b = f.bundle(f.bob);
    b.otk_id = 0;
    b.otk.clear();
    b.otk_ts = 0;
    b.otk_sig.clear();
    auto bundle = verify_bundle(b, "bob", f.trust(), now_ms());
    ASSERT_TRUE(bundle) << bundle.error().message;
    EXPECT_EQ(bundle.value().otk_id, 0u);
}

TEST(DeviceTrust, RefusesASwappedSignedPrekey) {
    Fixture f;
    auto b = f.bundle(f.bob);
    b.spk = Bytes(32, 0x33);  // the server's own key, under bob's signature of another
    auto bundle = verify_bundle(b, "bob", f.trust(), now_ms());
    ASSERT_FALSE(bundle);
    EXPECT_EQ(bundle.error().code, "bad_prekey");
    EXPECT_NE(bundle.error().message.find("the signed prekey's signature does not verify"),
              std::string::npos)
        << bundle.error().message;
}

TEST(DeviceTrust, RefusesASwappedOneTimePrekey) {
    Fixture f;
    auto b = f.bundle(f.bob);
    b.otk[0] ^= 1;
    auto bundle = verify_bundle(b, "bob", f.trust(), now_ms());
    ASSERT_FALSE(bundle);
    EXPECT_EQ(bundle.error().code, "bad_prekey");
    EXPECT_NE(bundle.error().message.find("one-time prekey"), std::string::npos);
}

TEST(DeviceTrust, RefusesPrekeysSignedByAnotherDeviceOfTheSameUser) {
    Fixture f;
    auto phone = test::issue(f.ca, device_spec("bob", "phone"));
    auto b = f.bundle(phone);      // signed by the phone ...
    b.cert = f.bob.cert.to_der();  // ... served with the laptop's certificate
    b.device = f.bob.cert.fingerprint().hex();
    auto bundle = verify_bundle(b, "bob", f.trust(), now_ms());
    ASSERT_FALSE(bundle);
    EXPECT_EQ(bundle.error().code, "bad_prekey");
}

TEST(DeviceTrust, RefusesABundleWhoseDeviceIsNotItsCertificate) {
    Fixture f;
    auto b = f.bundle(f.bob);
    b.device = std::string(64, 'a');
    auto bundle = verify_bundle(b, "bob", f.trust(), now_ms());
    ASSERT_FALSE(bundle);
    EXPECT_EQ(bundle.error().code, "bad_certificate");
}

TEST(DeviceTrust, RefusesABundleCarryingAnotherUsersCertificate) {
    Fixture f;
    auto carol = test::issue(f.ca, device_spec("carol", "laptop"));
    auto bundle = verify_bundle(f.bundle(carol), "bob", f.trust(), now_ms());
    ASSERT_FALSE(bundle);
    EXPECT_NE(bundle.error().message.find("names carol"), std::string::npos);
}

}  // namespace
}  // namespace sc::e2e

// Device certificates through the CA directory: `issue --device`, and a CSR made on the device
// (write_device_request) signed by sign_certificate_request.
#include <gtest/gtest.h>

#include "pki/ca_directory.h"
#include "pki/cert_index.h"
#include "pki/certificate_request.h"
#include "pki/user_identity.h"
#include "support/file_mode.h"
#include "support/temp_dir.h"

namespace sc::pki {
namespace {

using sc::test::mode_of;

class DeviceCertificates : public ::testing::Test {
  protected:
    void SetUp() override {
        auto ca = init_ca({.dir = dir(), .name = "SecureChat CA"});
        ASSERT_TRUE(ca) << ca.error().message;
    }
    std::filesystem::path dir() const { return tmp_ / "ca"; }
    Result<CertificateRequest> request(const std::string& user, const std::string& device,
                                       const std::string& stem) {
        return write_device_request({.username = user,
                                     .device_name = device,
                                     .key_file = tmp_ / "device" / (stem + ".key"),
                                     .csr_file = tmp_ / "device" / (stem + ".csr")});
    }
    sc::test::TempDir tmp_;
};

TEST_F(DeviceCertificates, IssueForAFurtherDeviceUsesUserAtDeviceFiles) {
    auto first = issue_certificate({.dir = dir(), .profile = Profile::client, .name = "alice"});
    ASSERT_TRUE(first) << first.error().message;
    auto laptop = issue_certificate(
        {.dir = dir(), .profile = Profile::client, .name = "alice", .device_name = "laptop"});
    ASSERT_TRUE(laptop) << laptop.error().message;
    EXPECT_EQ(laptop->cert_file, dir() / "alice@laptop.crt");
    EXPECT_EQ(mode_of(laptop->key_file), 0600u);
    EXPECT_EQ(user_identity(first->certificate)->device_name, "default");
    EXPECT_EQ(user_identity(laptop->certificate)->device_name, "laptop");
    auto sans = laptop->certificate.subject_alt_names();
    EXPECT_EQ(sans, (std::vector<std::string>{"DNS:alice", "URI:urn:securechat:device:laptop"}));
    EXPECT_NE(device_id(first->certificate), device_id(laptop->certificate));
}

TEST_F(DeviceCertificates, IssueRefusesNamesThatBreakTheRules) {
    auto r = issue_certificate({.dir = dir(), .profile = Profile::client, .name = "x"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("cannot name a user"), std::string::npos);
    r = issue_certificate(
        {.dir = dir(), .profile = Profile::client, .name = "alice", .device_name = "a/b"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("device name"), std::string::npos);
    r = issue_certificate(
        {.dir = dir(), .profile = Profile::server, .name = "server", .device_name = "laptop"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("client certificates only"), std::string::npos);
}

TEST_F(DeviceCertificates, RequestWritesAPrivateKeyAndRefusesToOverwrite) {
    auto csr = request("bob", "phone", "bob@phone");
    ASSERT_TRUE(csr) << csr.error().message;
    EXPECT_EQ(mode_of(tmp_ / "device"), 0700u);
    EXPECT_EQ(mode_of(tmp_ / "device" / "bob@phone.key"), 0600u);
    EXPECT_EQ(mode_of(tmp_ / "device" / "bob@phone.csr"), 0644u);
    auto again = request("bob", "phone", "bob@phone");
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
    EXPECT_FALSE(request("b", "", "b"));
    EXPECT_FALSE(request("bob", "a b", "bob2"));
}

TEST_F(DeviceCertificates, SignIssuesFromTheRequestAndRecordsIt) {
    ASSERT_TRUE(request("bob", "phone", "bob@phone"));
    auto signed_cert =
        sign_certificate_request({.dir = dir(), .csr_file = tmp_ / "device" / "bob@phone.csr"});
    ASSERT_TRUE(signed_cert) << signed_cert.error().message;
    EXPECT_EQ(signed_cert->out, tmp_ / "device" / "bob@phone.crt");
    EXPECT_EQ(signed_cert->ca_copy, dir() / "bob@phone.crt");
    EXPECT_EQ(signed_cert->username, "bob");
    EXPECT_EQ(signed_cert->device_name, "phone");
    EXPECT_EQ(signed_cert->certificate.extended_key_usages(),
              std::vector<std::string>{"clientAuth"});
    auto index = CertIndex::load(dir() / "index.txt");
    ASSERT_TRUE(index);
    ASSERT_NE(index->find(signed_cert->certificate.serial_hex()), nullptr);
    auto revoked = revoke_certificate(dir(), signed_cert->out);
    ASSERT_TRUE(revoked) << revoked.error().message;
    EXPECT_FALSE(revoked->already_revoked);
    // The same device again: the CA copy exists, so it is refused rather than replaced.
    std::filesystem::remove(signed_cert->out);
    auto twice =
        sign_certificate_request({.dir = dir(), .csr_file = tmp_ / "device" / "bob@phone.csr"});
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error().message.find("already exists"), std::string::npos);
}

TEST_F(DeviceCertificates, SignRefusesWhatIsNotARequest) {
    auto junk = tmp_ / "junk.csr";
    sc::test::write_text(junk, "not a request");
    auto r = sign_certificate_request({.dir = dir(), .csr_file = junk});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("not a PEM certificate request"), std::string::npos)
        << r.error().message;
}

}  // namespace
}  // namespace sc::pki

// `securechat pki request` / `pki sign` / `pki issue --device` and client profiles, end to end
// with the real binary, and OpenSSL reading what they make (docs/PKI.md, "Users and devices").
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "support/file_mode.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sc {
namespace {

using sc::test::mode_of;
using test::run_command;

using test::securechat;

test::CommandResult openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

class PkiRequestCli : public ::testing::Test {
  protected:
    void SetUp() override {
        auto r = securechat({"pki", "init", "--dir", ca(), "--name", "SecureChat CA"});
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    std::string ca() const { return (tmp_ / "ca").string(); }
    std::string ca_file(const std::string& name) const { return (tmp_ / "ca" / name).string(); }
    std::string path(const std::string& name) const { return (tmp_ / name).string(); }
    test::CommandResult sign(const std::string& csr) {
        return securechat({"pki", "sign", "--dir", ca(), csr});
    }
    // A CSR made by hand with openssl, as the seeds make theirs.
    void hand_made_csr(const std::string& name, const std::string& subject,
                       const std::string& key = "ed25519", std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"req",
                                      "-new",
                                      "-newkey",
                                      key,
                                      "-nodes",
                                      "-keyout",
                                      path(name + ".key"),
                                      "-out",
                                      path(name + ".csr"),
                                      "-subj",
                                      subject};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = openssl(args);
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    test::TempDir tmp_;
};

TEST_F(PkiRequestCli, RequestAndSignAreReadByOpenssl) {
    auto r = securechat(
        {"pki", "request", "--client", "alice", "--device", "laptop", "--out", path("device")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::string csr = path("device/alice@laptop.csr");
    EXPECT_TRUE(contains(r.output, csr)) << r.output;
    EXPECT_TRUE(contains(r.output, path("device/alice@laptop.crt"))) << "where the cert goes";
    EXPECT_EQ(mode_of(path("device/alice@laptop.key")), 0600u);
    EXPECT_EQ(mode_of(path("device")), 0700u);
    r = openssl({"req", "-verify", "-noout", "-in", csr});
    EXPECT_EQ(r.exit_code, 0) << r.output;

    r = sign(csr);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::string cert = path("device/alice@laptop.crt");
    EXPECT_TRUE(contains(r.output, "user 'alice', device 'laptop'")) << r.output;
    r = openssl({"verify", "-CAfile", ca_file("ca.crt"), "-purpose", "sslclient", cert});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = securechat({"pki", "verify", "--ca", ca_file("ca.crt"), "--name", "alice", "--purpose",
                    "client", cert});
    EXPECT_EQ(r.output, "OK\n");
    // The CA kept a copy in its index, so `pki revoke` works on it.
    r = securechat({"pki", "revoke", "--dir", ca(), ca_file("alice@laptop.crt")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = securechat({"pki", "crl", "--dir", ca()});
    EXPECT_TRUE(contains(r.output, "1 revoked")) << r.output;
}

TEST_F(PkiRequestCli, SeedStyleHandMadeCsrIsSigned) {
    hand_made_csr("carol", "/C=PK/ST=Lahore/L=Lahore/O=SecureChat/OU=Client/CN=carol", "rsa:2048");
    auto r = sign(path("carol.csr"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "device 'default'")) << r.output;
    r = openssl({"verify", "-CAfile", ca_file("ca.crt"), path("carol.crt")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = securechat({"pki", "show", path("carol.crt")});
    EXPECT_TRUE(contains(r.output, "Subject:         CN=carol\n")) << r.output;
    EXPECT_TRUE(contains(r.output, "Alt. names:      DNS:carol\n")) << r.output;
}

TEST_F(PkiRequestCli, SignRefusesABrokenSignatureNamingIt) {
    auto r = securechat({"pki", "request", "--client", "alice", "--out", path("device")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = openssl({"req", "-in", path("device/alice.csr"), "-outform", "DER", "-out", path("a.der")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::string der;
    {
        std::ifstream in(path("a.der"), std::ios::binary);
        der.assign(std::istreambuf_iterator<char>(in), {});
    }
    ASSERT_GT(der.size(), 64u);
    der.back() = static_cast<char>(der.back() ^ 0x01);  // the signature is the last field
    test::write_text(path("bad.der"), der);
    r = openssl({"req", "-inform", "DER", "-in", path("bad.der"), "-out", path("bad.csr")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = sign(path("bad.csr"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "signature does not verify")) << r.output;
    EXPECT_FALSE(std::filesystem::exists(path("bad.crt")));
}

TEST_F(PkiRequestCli, SignRefusesNamesThatAreNotAUserOrADevice) {
    hand_made_csr("space", "/CN=a b");
    auto r = sign(path("space.csr"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "'a b' is not a username")) << r.output;
    hand_made_csr("short", "/CN=x");
    r = sign(path("short.csr"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "username must be 3-32 characters")) << r.output;
    hand_made_csr("slash", "/CN=erin", "ed25519",
                  {"-addext", "subjectAltName=URI:urn:securechat:device:a/b"});
    r = sign(path("slash.csr"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "device URI 'urn:securechat:device:a/b' is malformed"))
        << r.output;
    // `pki request` refuses the same names before making a key.
    r = securechat(
        {"pki", "request", "--client", "erin", "--device", "a/b", "--out", path("device")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "device name may only contain")) << r.output;
    EXPECT_FALSE(std::filesystem::exists(path("device/erin@a/b.key")));
}

TEST_F(PkiRequestCli, SignRefusesKeysTheCaDoesNotAccept) {
    hand_made_csr("weak", "/CN=dave", "rsa:1024");
    auto r = sign(path("weak.csr"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "the CA does not accept its key")) << r.output;
    EXPECT_TRUE(contains(r.output, "1024")) << r.output;
}

TEST_F(PkiRequestCli, SignRefusesASha1SignedRequest) {
    hand_made_csr("old", "/CN=oscar", "rsa:2048", {"-sha1"});
    auto r = sign(path("old.csr"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "signed with SHA1")) << r.output;
}

TEST_F(PkiRequestCli, TheCaChoosesEveryExtension) {
    hand_made_csr(
        "gina", "/CN=gina", "ed25519",
        {"-addext", "subjectAltName=DNS:evil.example,URI:urn:securechat:device:tab", "-addext",
         "basicConstraints=critical,CA:TRUE", "-addext", "extendedKeyUsage=serverAuth"});
    auto r = sign(path("gina.csr"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = securechat({"pki", "show", path("gina.crt")});
    EXPECT_TRUE(contains(r.output, "CA:              no\n")) << r.output;
    EXPECT_TRUE(contains(r.output, "Ext. key usage:  clientAuth\n")) << r.output;
    EXPECT_TRUE(contains(r.output, "Alt. names:      DNS:gina, URI:urn:securechat:device:tab\n"))
        << r.output;
    EXPECT_TRUE(std::filesystem::exists(ca_file("gina@tab.crt")));
}

TEST_F(PkiRequestCli, IssueDeviceMakesAFurtherCertificateForTheUser) {
    ASSERT_EQ(securechat({"pki", "issue", "--dir", ca(), "--client", "alice"}).exit_code, 0);
    auto r = securechat({"pki", "issue", "--dir", ca(), "--client", "alice", "--device", "laptop"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, ca_file("alice@laptop.crt"))) << r.output;
    EXPECT_TRUE(contains(r.output, "URI:urn:securechat:device:laptop")) << r.output;
    EXPECT_TRUE(contains(r.output, "device id:")) << r.output;
    EXPECT_EQ(mode_of(ca_file("alice@laptop.key")), 0600u);
    r = openssl({"verify", "-CAfile", ca_file("ca.crt"), ca_file("alice@laptop.crt")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = securechat({"pki", "show", ca_file("alice@laptop.crt")});
    EXPECT_TRUE(contains(r.output, "User, device:    alice, laptop")) << r.output;
    r = securechat({"pki", "issue", "--dir", ca(), "--server", "srv", "--device", "laptop"});
    EXPECT_EQ(r.exit_code, 2) << r.output;
}

// Sets XDG_CONFIG_HOME for one test (the binary inherits it) and restores it.
class ProfileCli : public PkiRequestCli {
  protected:
    void SetUp() override {
        PkiRequestCli::SetUp();
        if (const char* old = std::getenv("XDG_CONFIG_HOME")) {
            saved_ = old;
        }
        ::setenv("XDG_CONFIG_HOME", path("config").c_str(), 1);
    }
    void TearDown() override {
        if (saved_) {
            ::setenv("XDG_CONFIG_HOME", saved_->c_str(), 1);
        } else {
            ::unsetenv("XDG_CONFIG_HOME");
        }
    }
    std::string profile_file() const { return path("config/securechat/client.toml"); }
    void write_profile(const std::string& text) {
        std::filesystem::create_directories(path("config/securechat"));
        test::write_text(profile_file(), text);
    }
    std::optional<std::string> saved_;
};

TEST_F(ProfileCli, RequestWritesWhereTheProfileExpectsAndSignFillsIt) {
    write_profile(
        "[profile.work]\nserver = \"127.0.0.1:6000\"\nca = \"work/ca.crt\"\n"
        "cert = \"work/keys/alice.crt\"\nkey = \"work/keys/alice.key\"\n");
    auto r = securechat({"pki", "request", "--client", "alice", "--profile", "work"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::string keys = path("config/securechat/work/keys");
    EXPECT_EQ(mode_of(keys + "/alice.key"), 0600u);
    EXPECT_EQ(mode_of(keys), 0700u);
    EXPECT_EQ(mode_of(path("config/securechat/work")), 0700u);
    EXPECT_TRUE(
        contains(r.output, "Put the certificate that comes back at:\n  " + keys + "/alice.crt\n"))
        << r.output;
    r = securechat({"pki", "request", "--client", "alice", "--profile", "work"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "already exists")) << r.output;
    r = sign(keys + "/alice.csr");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(std::filesystem::exists(keys + "/alice.crt"));
}

TEST_F(ProfileCli, ChatWithoutFlagsOrProfileSaysWhereTheFileGoes) {
    auto r = securechat({"chat", "--plain"});
    EXPECT_EQ(r.exit_code, 2) << "a missing setting is a usage error, as a missing flag was";
    EXPECT_TRUE(contains(r.output, profile_file() + " does not exist")) << r.output;
    EXPECT_TRUE(contains(r.output, "[profile.work]\n")) << r.output;
    EXPECT_TRUE(contains(r.output, "key = ")) << r.output;
}

TEST_F(ProfileCli, ChatNamesAnUnknownKeyAndItsFile) {
    write_profile("[profile.work]\nserver = \"127.0.0.1:6000\"\nkeyfile = \"k\"\n");
    auto r = securechat({"chat", "--plain"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "unknown key 'profile.work.keyfile' in " + profile_file()))
        << r.output;
}

TEST_F(ProfileCli, ChatNamesTheSettingNeitherProfileNorFlagGives) {
    write_profile("[profile.work]\nserver = \"127.0.0.1:6000\"\nca = \"ca.crt\"\n");
    auto r = securechat({"chat", "--plain", "--cert", path("a.crt")});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(contains(r.output, "profile 'work' in " + profile_file() +
                                       " sets no 'key', and --key was not given"))
        << r.output;
}

TEST_F(ProfileCli, ChatFlagsOverrideTheProfile) {
    write_profile(
        "[profile.work]\nserver = \"127.0.0.1:6000\"\nca = \"ca.crt\"\ncert = \"a.crt\"\n"
        "key = \"a.key\"\n");
    // The profile's certificate does not exist; the flag's is read instead, and its error shows
    // the flag won.
    auto r = securechat({"chat", "--plain", "--profile", "work", "--cert", path("flag.crt")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, path("flag.crt"))) << r.output;
    r = securechat({"chat", "--plain", "--profile", "home"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "no profile 'home'")) << r.output;
}

}  // namespace
}  // namespace sc

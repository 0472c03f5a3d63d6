// `securechat pki` end to end, and interop with the openssl command line in both directions.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/file_mode.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sc {
namespace {

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

using sc::test::mode_of;

class PkiCli : public ::testing::Test {
  protected:
    std::string dir() const { return (tmp_ / "ca").string(); }
    std::string file(const std::string& name) const { return (tmp_ / "ca" / name).string(); }
    void init(const std::string& key = "ed25519") {
        auto r =
            securechat({"pki", "init", "--dir", dir(), "--name", "SecureChat CA", "--key", key});
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    void issue(const std::string& role, const std::string& name, const std::string& key = "ed25519",
               std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"pki",       "issue", "--dir", dir(),
                                      "--" + role, name,    "--key", key};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = securechat(args);
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    test::CommandResult verify(const std::string& cert, const std::string& name,
                               const std::string& purpose, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"pki",    "verify", "--ca",      file("ca.crt"),
                                      "--name", name,     "--purpose", purpose};
        args.insert(args.end(), extra.begin(), extra.end());
        args.push_back(cert);
        return securechat(args);
    }
    test::TempDir tmp_;
};

class PkiCliKeys : public PkiCli, public ::testing::WithParamInterface<std::string> {};

TEST_P(PkiCliKeys, IssuedCertificatesPassOpensslVerify) {
    init(GetParam());
    issue("server", "server", GetParam(), {"--san", "IP:127.0.0.1"});
    issue("client", "alice", GetParam());
    EXPECT_EQ(mode_of(file("ca.key")), 0600u);
    EXPECT_EQ(mode_of(file("server.key")), 0600u);
    EXPECT_EQ(mode_of(file("alice.key")), 0600u);
    auto r =
        openssl({"verify", "-CAfile", file("ca.crt"), "-purpose", "sslserver", file("server.crt")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = openssl({"verify", "-CAfile", file("ca.crt"), "-purpose", "sslclient", file("alice.crt")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    // openssl's own view of the key matches ours.
    r = openssl({"pkey", "-in", file("server.key"), "-noout", "-text_pub"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(verify(file("server.crt"), "server", "server").output, "OK\n");
    EXPECT_EQ(verify(file("server.crt"), "127.0.0.1", "server").output, "OK\n");
    EXPECT_EQ(verify(file("alice.crt"), "alice", "client").output, "OK\n");
}

INSTANTIATE_TEST_SUITE_P(Keys, PkiCliKeys,
                         ::testing::Values("ed25519", "ecdsa-p256", "rsa-2048", "rsa-3072",
                                           "rsa-4096"),
                         [](const auto& p) {
                             std::string n = p.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST_F(PkiCli, RevokedCertificatesFailOpensslCrlCheckToo) {
    init();
    issue("client", "alice");
    issue("client", "bob");
    auto r = securechat({"pki", "revoke", "--dir", dir(), file("alice.crt")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = securechat({"pki", "crl", "--dir", dir()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "1 revoked"));
    r = openssl({"verify", "-crl_check", "-CRLfile", file("ca.crl"), "-CAfile", file("ca.crt"),
                 file("bob.crt")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = openssl({"verify", "-crl_check", "-CRLfile", file("ca.crl"), "-CAfile", file("ca.crt"),
                 file("alice.crt")});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(contains(r.output, "certificate revoked")) << r.output;
    r = openssl({"crl", "-in", file("ca.crl"), "-CAfile", file("ca.crt"), "-noout"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "verify OK")) << r.output;

    r = verify(file("alice.crt"), "alice", "client", {"--crl", file("ca.crl")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "[revoked]")) << r.output;
    r = verify(file("bob.crt"), "bob", "client", {"--crl", file("ca.crl")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(PkiCli, InitRefusesToOverwrite) {
    init();
    auto r = securechat({"pki", "init", "--dir", dir(), "--name", "Other"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "refusing to overwrite")) << r.output;
}

TEST_F(PkiCli, ShowPrintsEveryField) {
    init();
    issue("server", "server", "ecdsa-p256", {"--san", "DNS:chat.example.com"});
    auto r = securechat({"pki", "show", file("server.crt")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const char* field : {"Subject:         CN=server", "Issuer:          CN=SecureChat CA",
                              "Serial:", "Valid from:", "Valid until:", "ECDSA P-256 (256 bits)",
                              "SHA-256:", "serverAuth", "DNS:server, DNS:chat.example.com"}) {
        EXPECT_TRUE(contains(r.output, field)) << field << "\n" << r.output;
    }
    // Our fingerprint and serial are the ones openssl prints.
    auto fp = openssl({"x509", "-in", file("server.crt"), "-noout", "-fingerprint", "-sha256"});
    auto colon = fp.output.find('=');
    ASSERT_NE(colon, std::string::npos);
    EXPECT_TRUE(contains(r.output, fp.output.substr(colon + 1, 95))) << fp.output;
    auto serial = openssl({"x509", "-in", file("server.crt"), "-noout", "-serial"});
    EXPECT_TRUE(contains(r.output, serial.output.substr(7, 32))) << serial.output;
}

TEST_F(PkiCli, VerifyFailuresAreOneLineNamingTheReason) {
    init();
    issue("server", "server");
    issue("client", "alice");
    auto r = verify(file("server.crt"), "other", "server");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "[name_mismatch]")) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1);
    r = verify(file("alice.crt"), "alice", "server");
    EXPECT_TRUE(contains(r.output, "[wrong_purpose]")) << r.output;
    test::write_text(tmp_ / "junk.crt",
                     "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n");
    r = verify((tmp_ / "junk.crt").string(), "server", "server");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "[malformed]")) << r.output;
    r = securechat({"pki", "verify", "--ca", file("ca.crt"), "--name", "x", "--purpose", "both",
                    file("server.crt")});
    EXPECT_EQ(r.exit_code, 2) << "bad arguments are a usage error";
}

TEST_F(PkiCli, CertificateFromAnotherCaIsUnknownIssuer) {
    init();
    auto other = (tmp_ / "other").string();
    ASSERT_EQ(securechat({"pki", "init", "--dir", other, "--name", "SecureChat CA"}).exit_code, 0);
    ASSERT_EQ(securechat({"pki", "issue", "--dir", other, "--server", "server"}).exit_code, 0);
    auto r = verify(other + "/server.crt", "server", "server");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "[unknown_issuer]")) << r.output;
}

// Seed 000 made its PKI by hand with these exact openssl commands: RSA-2048, CN only, no SAN,
// no EKU, v1 leaf certificates. They must verify for the names in their CN.
class SeedPki : public ::testing::Test {
  protected:
    void SetUp() override {
        auto d = [&](const std::string& f) { return (tmp_ / f).string(); };
        ASSERT_EQ(openssl({"genrsa", "-out", d("ca.key"), "2048"}).exit_code, 0);
        auto r = openssl({"req", "-x509", "-new", "-nodes", "-key", d("ca.key"), "-sha256", "-days",
                          "365", "-out", d("ca.crt"), "-subj",
                          "/C=PK/ST=Lahore/L=Lahore/O=SecureChat/OU=CA/CN=ca"});
        ASSERT_EQ(r.exit_code, 0) << r.output;
        for (const std::string who : {"server", "client"}) {
            std::string ou = who == "server" ? "Server" : "Client";
            ASSERT_EQ(openssl({"genrsa", "-out", d(who + ".key"), "2048"}).exit_code, 0);
            r = openssl({"req", "-new", "-key", d(who + ".key"), "-out", d(who + ".csr"), "-subj",
                         "/C=PK/ST=Lahore/L=Lahore/O=SecureChat/OU=" + ou + "/CN=" + who});
            ASSERT_EQ(r.exit_code, 0) << r.output;
            r = openssl({"x509", "-req", "-in", d(who + ".csr"), "-CA", d("ca.crt"), "-CAkey",
                         d("ca.key"), "-CAcreateserial", "-out", d(who + ".crt"), "-days", "365",
                         "-sha256"});
            ASSERT_EQ(r.exit_code, 0) << r.output;
        }
    }
    // The seeds' certificates have no EKU: since review L11 they verify only with the opt-in.
    test::CommandResult verify(const std::string& cert, const std::string& name,
                               const std::string& purpose, bool legacy = true) {
        std::vector<std::string> args{"pki",    "verify", "--ca",      (tmp_ / "ca.crt").string(),
                                      "--name", name,     "--purpose", purpose};
        if (legacy) {
            args.emplace_back("--allow-legacy-seed-certs");
        }
        args.push_back((tmp_ / cert).string());
        return securechat(args);
    }
    test::TempDir tmp_;
};

TEST_F(SeedPki, Hardening_L11_SeedCertificatesNeedTheLegacyOptIn) {
    for (const std::string who : {"server", "client"}) {
        auto r = verify(who + ".crt", who, who, /*legacy=*/false);
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_TRUE(contains(r.output, "[wrong_purpose]")) << r.output;
        EXPECT_TRUE(contains(r.output, "no extendedKeyUsage")) << r.output;
        EXPECT_TRUE(contains(r.output, "--allow-legacy-seed-certs")) << r.output;
        r = verify(who + ".crt", who, who, /*legacy=*/true);
        EXPECT_EQ(r.exit_code, 0) << r.output;
    }
}

TEST_F(SeedPki, SeedCertificatesVerifyForTheirCommonNames) {
    auto r = verify("server.crt", "server", "server");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "OK\n");
    r = verify("client.crt", "client", "client");
    EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(SeedPki, SeedCertificatesStillFailForOtherNames) {
    auto r = verify("server.crt", "client", "server");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "[name_mismatch]")) << r.output;
    EXPECT_TRUE(contains(r.output, "CN=server")) << r.output;
}

TEST_F(SeedPki, Sha1SignatureIsWeak) {
    auto d = [&](const std::string& f) { return (tmp_ / f).string(); };
    auto r =
        openssl({"x509", "-req", "-in", d("server.csr"), "-CA", d("ca.crt"), "-CAkey", d("ca.key"),
                 "-CAcreateserial", "-out", d("sha1.crt"), "-days", "30", "-sha1"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = verify("sha1.crt", "server", "server");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "[weak_key_or_algorithm]")) << r.output;
}

TEST_F(SeedPki, Rsa1024LeafIsWeak) {
    auto d = [&](const std::string& f) { return (tmp_ / f).string(); };
    ASSERT_EQ(openssl({"genrsa", "-out", d("weak.key"), "1024"}).exit_code, 0);
    ASSERT_EQ(openssl({"req", "-new", "-key", d("weak.key"), "-out", d("weak.csr"), "-subj",
                       "/CN=server"})
                  .exit_code,
              0);
    auto r =
        openssl({"x509", "-req", "-in", d("weak.csr"), "-CA", d("ca.crt"), "-CAkey", d("ca.key"),
                 "-CAcreateserial", "-out", d("weak.crt"), "-days", "30", "-sha256"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = verify("weak.crt", "server", "server");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "[weak_key_or_algorithm]")) << r.output;
}

}  // namespace
}  // namespace sc

#include "pki/ca_directory.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "pki/cert_index.h"
#include "pki/verify.h"
#include "support/file_mode.h"
#include "support/temp_dir.h"
#include "test_pki.h"

namespace sc::pki {
namespace {

using sc::test::mode_of;

class CaDirectory : public ::testing::Test {
  protected:
    void SetUp() override {
        auto ca = init_ca({.dir = dir(), .name = "SecureChat CA"});
        ASSERT_TRUE(ca) << ca.error().message;
    }
    std::filesystem::path dir() const { return tmp_ / "ca"; }
    Result<IssueResult> issue(const std::string& name, Profile profile = Profile::server,
                              std::vector<std::string> sans = {}) {
        return issue_certificate(
            {.dir = dir(), .profile = profile, .name = name, .extra_sans = std::move(sans)});
    }
    sc::test::TempDir tmp_;
};

TEST_F(CaDirectory, InitWritesKeyPrivateAndCertificatePublic) {
    EXPECT_EQ(mode_of(dir() / "ca.key"), 0600u);
    EXPECT_EQ(mode_of(dir() / "ca.crt"), 0644u);
    EXPECT_EQ(mode_of(dir()), 0700u);
    auto ca = load_ca(CaLayout(dir()));
    ASSERT_TRUE(ca) << ca.error().message;
    EXPECT_TRUE(ca->certificate().is_ca());
    EXPECT_EQ(ca->key().describe().name, "Ed25519");
}

TEST_F(CaDirectory, InitRefusesToOverwriteAnExistingCa) {
    auto before = sc::test::read_text(dir() / "ca.key");
    auto again = init_ca({.dir = dir(), .name = "Another"});
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
    EXPECT_EQ(sc::test::read_text(dir() / "ca.key"), before);
}

TEST_F(CaDirectory, IssueWritesKeyPrivateRecordsIndexAndVerifies) {
    auto issued = issue("server", Profile::server, {"IP:127.0.0.1"});
    ASSERT_TRUE(issued) << issued.error().message;
    EXPECT_EQ(mode_of(dir() / "server.key"), 0600u);
    EXPECT_EQ(mode_of(dir() / "server.crt"), 0644u);
    auto index = CertIndex::load(dir() / "index.txt");
    ASSERT_TRUE(index);
    ASSERT_EQ(index->entries().size(), 1u);
    EXPECT_EQ(index->entries()[0].serial_hex, issued->certificate.serial_hex());
    auto ca = load_ca(CaLayout(dir()));
    auto policy = test::policy_for(*ca, "127.0.0.1");
    EXPECT_TRUE(verify_certificate({issued->certificate}, policy));
}

TEST_F(CaDirectory, IssueRefusesUnsafeNamesAndOverwrites) {
    EXPECT_FALSE(issue("../escape"));
    EXPECT_FALSE(issue("ca"));
    ASSERT_TRUE(issue("alice", Profile::client));
    auto again = issue("alice", Profile::client);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
}

TEST_F(CaDirectory, IssueShortensToTheCaLifetime) {
    auto issued = issue_certificate({.dir = dir(), .name = "long", .days = 36000});
    ASSERT_TRUE(issued);
    EXPECT_TRUE(issued->shortened_to_ca_expiry);
    auto ca = load_ca(CaLayout(dir()));
    EXPECT_LE(issued->certificate.not_after(), ca->certificate().not_after());
}

TEST_F(CaDirectory, RevokeThenCrlMakesVerificationFail) {
    ASSERT_TRUE(issue("alice", Profile::client));
    ASSERT_TRUE(issue("bob", Profile::client));
    auto revoked = revoke_certificate(dir(), dir() / "alice.crt");
    ASSERT_TRUE(revoked) << revoked.error().message;
    EXPECT_FALSE(revoked->already_revoked);
    auto twice = revoke_certificate(dir(), dir() / "alice.crt");
    ASSERT_TRUE(twice);
    EXPECT_TRUE(twice->already_revoked);

    auto crl = publish_crl({.dir = dir()});
    ASSERT_TRUE(crl) << crl.error().message;
    EXPECT_EQ(crl->revoked, 1);
    EXPECT_EQ(crl->number, 1u);
    EXPECT_EQ(publish_crl({.dir = dir()})->number, 2u) << "CRL numbers increase";

    auto ca = load_ca(CaLayout(dir()));
    auto loaded = load_crl(dir() / "ca.crl");
    ASSERT_TRUE(loaded);
    auto policy = test::policy_for(*ca, "alice", Purpose::client);
    policy.crls.push_back(*loaded);
    auto alice = load_certificate_chain(dir() / "alice.crt");
    EXPECT_EQ(test::expect_refused(*alice, policy).code, CertError::revoked);
    policy.expected_name = "bob";
    EXPECT_TRUE(verify_certificate(*load_certificate_chain(dir() / "bob.crt"), policy));
}

TEST_F(CaDirectory, RevokeRefusesCertificatesOfAnotherCa) {
    auto other = test::make_ca();
    auto leaf = test::issue(other);
    sc::test::write_text(tmp_ / "foreign.crt", leaf.cert.to_pem());
    auto r = revoke_certificate(dir(), tmp_ / "foreign.crt");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("not issued by the CA"), std::string::npos);
}

TEST_F(CaDirectory, AnIntermediateIsRecordedByItsRootAndWritesItsLeavesWithIt) {
    auto sub = tmp_ / "users";
    auto made = init_ca({.dir = sub, .name = "Users CA", .parent = dir()});
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(mode_of(sub / "ca.key"), 0600u);
    EXPECT_EQ(made->issuer(), "CN=SecureChat CA");
    EXPECT_TRUE(made->is_ca());
    auto index = CertIndex::load(dir() / "index.txt");
    ASSERT_EQ(index->entries().size(), 1u);  // the root can revoke it
    EXPECT_EQ(index->entries()[0].serial_hex, made->serial_hex());

    auto alice = issue_certificate({.dir = sub, .profile = Profile::client, .name = "alice"});
    ASSERT_TRUE(alice) << alice.error().message;
    auto chain = load_certificate_chain(sub / "alice.crt");
    ASSERT_TRUE(chain);
    ASSERT_EQ(chain->size(), 2u);
    EXPECT_TRUE(chain->at(1).same_as(*made));
    auto root = load_ca(CaLayout(dir()));
    EXPECT_TRUE(verify_certificate(*chain, test::policy_for(*root, "alice", Purpose::client)));

    // Revoked by the root: every leaf under it is refused once the root's CRL says so.
    ASSERT_TRUE(revoke_certificate(dir(), sub / "ca.crt"));
    ASSERT_TRUE(publish_crl({.dir = dir()}));
    ASSERT_TRUE(publish_crl({.dir = sub}));
    auto policy = test::policy_for(*root, "alice", Purpose::client);
    policy.crls = {*load_crl(dir() / "ca.crl"), *load_crl(sub / "ca.crl")};
    EXPECT_EQ(test::expect_refused(*chain, policy).code, CertError::revoked);
}

TEST_F(CaDirectory, AnIntermediateCannotSignACaAndNeedsADirectoryOfItsOwn) {
    auto sub = tmp_ / "users";
    ASSERT_TRUE(init_ca({.dir = sub, .name = "Users CA", .parent = dir()}));
    auto deeper = init_ca({.dir = tmp_ / "deeper", .name = "Deeper", .parent = sub});
    ASSERT_FALSE(deeper);
    EXPECT_NE(deeper.error().message.find("pathlen 0"), std::string::npos);
    auto same = init_ca({.dir = dir(), .name = "Self", .parent = dir()});
    ASSERT_FALSE(same);
    auto no_parent = init_ca({.dir = tmp_ / "x", .name = "X", .parent = tmp_ / "nowhere"});
    ASSERT_FALSE(no_parent);
    EXPECT_NE(no_parent.error().message.find("pki init"), std::string::npos);
}

TEST(CertificateChain, DerFieldsRoundTripAndRefuseDamage) {
    auto root = test::make_ca("Root");
    auto sub = test::make_intermediate_ca(root, "Sub");
    auto leaf = test::issue(sub);
    auto der = Certificate::chain_to_der({leaf.cert, sub.certificate()});
    auto chain = Certificate::chain_from_der(der);
    ASSERT_TRUE(chain) << chain.error().message;
    ASSERT_EQ(chain->size(), 2u);
    EXPECT_TRUE(chain->front().same_as(leaf.cert));
    // A leaf alone is its DER, byte for byte: a v1 certificate field is a chain field.
    EXPECT_EQ(Certificate::chain_to_der({leaf.cert}), leaf.cert.to_der());
    EXPECT_FALSE(Certificate::chain_from_der({}));
    auto trailing = der;
    trailing.push_back(0x30);
    EXPECT_FALSE(Certificate::chain_from_der(trailing));
    auto cut = Bytes(der.begin(), der.end() - 1);
    EXPECT_FALSE(Certificate::chain_from_der(cut));
    auto five = Certificate::chain_to_der({leaf.cert, leaf.cert, leaf.cert, leaf.cert, leaf.cert});
    auto too_long = Certificate::chain_from_der(five);
    ASSERT_FALSE(too_long);
    EXPECT_NE(too_long.error().message.find("more than 4"), std::string::npos);
}

// Found by e2e_envelope_fuzz: OpenSSL parses a certificate whose signature BIT STRING declares
// unused bits, and re-encodes it with them cleared: two byte strings, two fingerprints, for one
// certificate. Only a certificate's own DER is accepted, alone or in a chain.
TEST(CertificateChain, AnEncodingThatIsNotItsDerIsRefused) {
    auto root = test::make_ca("Root");
    auto leaf = test::issue(root);
    auto der = leaf.cert.to_der();
    ASSERT_GE(der.size(), 67u);
    const auto at = der.size() - 67;  // an Ed25519 signature: BIT STRING, 65 bytes, 0 unused
    ASSERT_EQ(der[at], 0x03);
    ASSERT_EQ(der[at + 1], 0x41);
    ASSERT_EQ(der[at + 2], 0x00);
    auto odd = der;
    odd[at + 2] = 0x03;  // three unused bits
    odd.back() |= 0x07;  // and set
    auto alone = Certificate::from_der(odd);
    ASSERT_FALSE(alone);
    EXPECT_NE(alone.error().message.find("not in DER"), std::string::npos) << alone.error().message;
    auto in_chain = Certificate::chain_from_der(odd);
    ASSERT_FALSE(in_chain);
    EXPECT_NE(in_chain.error().message.find("certificate 1 of the chain is not in DER"),
              std::string::npos)
        << in_chain.error().message;
    EXPECT_TRUE(Certificate::from_der(der));
}

TEST_F(CaDirectory, OperationsOnAMissingCaSayWhatToDo) {
    auto r = issue_certificate({.dir = tmp_ / "nowhere", .name = "server"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("pki init"), std::string::npos);
}

TEST(CaInit, EveryKeyTypeWorks) {
    for (auto type : crypto::all_key_types()) {
        sc::test::TempDir tmp;
        auto ca = init_ca({.dir = tmp / "ca", .name = "CA", .key_type = type});
        ASSERT_TRUE(ca) << crypto::key_type_name(type) << ": " << ca.error().message;
        auto issued = issue_certificate({.dir = tmp / "ca", .name = "server", .key_type = type});
        ASSERT_TRUE(issued) << issued.error().message;
        EXPECT_EQ(mode_of(tmp / "ca" / "server.key"), 0600u);
    }
}

}  // namespace
}  // namespace sc::pki

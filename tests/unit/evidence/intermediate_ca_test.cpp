// Evidence made under intermediate CAs (issue 12 item 8): the transcript header carries each
// side's chain as the handshake presented it, so a session whose server and client come from
// two intermediates verifies with the root alone; with CRLs, each CA of each path must have
// its CRL given, and a revoked intermediate voids what its leaves signed after the revocation.
#include <gtest/gtest.h>

#include "common/base64.h"
#include "evidence/certificate_checks.h"
#include "evidence/transcript_lines.h"
#include "evidence/verify_evidence.h"
#include "recorded_session.h"

namespace sc::evidence {
namespace {

using sc::test::issue;
using sc::test::make_crl;
using sc::test::make_intermediate_ca;
using sc::test::make_root_ca;

// A root that signs two intermediates; the server's leaf is of one, alice's of the other, and
// each side presents its leaf with its intermediate.
struct IntermediatePki {
    pki::CertificateAuthority servers;
    pki::CertificateAuthority users;
    proto::test::TestPki pki;  // pki.ca is the root
};

proto::Identity chain_identity(sc::test::Leaf leaf, const pki::CertificateAuthority& ca) {
    return proto::Identity{{leaf.cert, ca.certificate()},
                           std::make_shared<const crypto::PrivateKey>(std::move(leaf.key))};
}

IntermediatePki make_intermediate_pki() {
    auto root = make_root_ca("Root CA");
    auto servers = make_intermediate_ca(root, "Servers CA");
    auto users = make_intermediate_ca(root, "Users CA");
    auto server = chain_identity(issue(servers, {.profile = pki::Profile::server}), servers);
    auto client =
        chain_identity(issue(users, {.profile = pki::Profile::client, .name = "alice"}), users);
    return IntermediatePki{
        std::move(servers), std::move(users),
        proto::test::TestPki(std::move(root), std::move(server), std::move(client))};
}

class IntermediateCaEvidence : public ::testing::Test {
  protected:
    IntermediateCaEvidence()
        : cas_(make_intermediate_pki()), session_(test::record_session(cas_.pki)) {}

    const pki::CertificateAuthority& root() const { return cas_.pki.ca; }
    EvidenceTrust trust(std::vector<pki::Crl> crls = {}) const {
        EvidenceTrust t(root().certificate());
        t.crls = std::move(crls);
        return t;
    }
    Result<EvidenceSummary> verify(const EvidenceTrust& t) const {
        return verify_evidence(
            session_.client_transcript,
            test::receipt_text(session_, session_.server_receipt, session_.server_cert),
            session_.server_cert, t);
    }

    IntermediatePki cas_;
    test::RecordedSession session_;
};

TEST_F(IntermediateCaEvidence, TheHeaderCarriesEachChainAsPresentedAndVerifiesWithTheRootAlone) {
    auto first_line =
        session_.client_transcript.substr(0, session_.client_transcript.find('\n') + 1);
    auto header = parse_header(RawLine{1, first_line, true});
    ASSERT_TRUE(header) << header.error().message;
    ASSERT_EQ(header->client_certs.size(), 2U);
    ASSERT_EQ(header->server_certs.size(), 2U);
    EXPECT_TRUE(header->client_certs[1].same_as(cas_.users.certificate()));
    EXPECT_TRUE(header->server_certs[1].same_as(cas_.servers.certificate()));
    // Both sides wrote the same header: the hash, and so the receipts, agree.
    EXPECT_EQ(first_line, session_.server_transcript.substr(0, first_line.size()));
    auto ok = verify(trust());
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->client_name, "alice");
    auto lines_only = verify_transcript(session_.server_transcript, trust());
    EXPECT_TRUE(lines_only) << lines_only.error().message;
}

TEST_F(IntermediateCaEvidence, ALeafWithoutItsIntermediateHasNoPathToTheRoot) {
    // (A header edited this way also changes the transcript hash, which every ack signs: the
    // certificate check is the one that matters for evidence made without the chain.)
    auto now = std::chrono::system_clock::now();
    auto alone = check_certificate({session_.client_cert}, pki::Purpose::client, trust(), now, now,
                                   "the client certificate");
    ASSERT_FALSE(alone);
    EXPECT_NE(alone.error().message.find("[unknown_issuer]"), std::string::npos)
        << alone.error().message;
    auto chained = check_certificate({session_.client_cert, cas_.users.certificate()},
                                     pki::Purpose::client, trust(), now, now, "the client");
    EXPECT_TRUE(chained) << chained.error().message;
}

TEST_F(IntermediateCaEvidence, WithCrlsEveryCaOfEachPathMustHaveItsCrlGiven) {
    auto root_crl = make_crl(root(), {});
    auto servers_crl = make_crl(cas_.servers, {});
    auto users_crl = make_crl(cas_.users, {});
    auto all = verify(trust({root_crl, servers_crl, users_crl}));
    EXPECT_TRUE(all) << all.error().message;

    auto root_only = verify(trust({root_crl}));
    ASSERT_FALSE(root_only);
    EXPECT_NE(root_only.error().message.find("no CRL of its issuer 'Users CA' was given"),
              std::string::npos)
        << root_only.error().message;
    auto no_root = verify(trust({servers_crl, users_crl}));
    ASSERT_FALSE(no_root);
    EXPECT_NE(no_root.error().message.find("its issuing CA 'Users CA'"), std::string::npos)
        << no_root.error().message;
    EXPECT_NE(no_root.error().message.find("no CRL of its issuer 'Root CA'"), std::string::npos)
        << no_root.error().message;
}

TEST_F(IntermediateCaEvidence, ARevokedLeafOrIntermediateIsNamed) {
    auto root_crl = make_crl(root(), {});
    auto servers_crl = make_crl(cas_.servers, {});
    // make_crl revokes an hour ago: before every line of the session.
    auto leaf_revoked =
        verify(trust({root_crl, servers_crl, make_crl(cas_.users, {&session_.client_cert})}));
    ASSERT_FALSE(leaf_revoked);
    EXPECT_NE(leaf_revoked.error().message.find("[revoked]"), std::string::npos);
    EXPECT_EQ(leaf_revoked.error().message.find("its issuing CA"), std::string::npos)
        << leaf_revoked.error().message;

    auto users_ca_revoked = verify(trust(
        {make_crl(root(), {&cas_.users.certificate()}), servers_crl, make_crl(cas_.users, {})}));
    ASSERT_FALSE(users_ca_revoked);
    EXPECT_NE(users_ca_revoked.error().message.find("its issuing CA 'Users CA'"), std::string::npos)
        << users_ca_revoked.error().message;
    EXPECT_NE(users_ca_revoked.error().message.find("[revoked]"), std::string::npos);
}

TEST_F(IntermediateCaEvidence, ACrlThatClaimsAnIntermediateButIsSignedByAnotherKeyIsRefused) {
    // Same name as the users' CA, another key: the CRL's signature cannot verify with it.
    auto impostor = make_intermediate_ca(root(), "Users CA");
    auto result =
        verify(trust({make_crl(root(), {}), make_crl(cas_.servers, {}), make_crl(impostor, {})}));
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("the CRL of 'Users CA'"), std::string::npos)
        << result.error().message;
}

}  // namespace
}  // namespace sc::evidence

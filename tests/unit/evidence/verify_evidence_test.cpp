// verify_evidence and check_disclosure over real sessions: every combination of transcript and
// receipt that should verify does, and each kind of tampering is caught and named.
#include "evidence/verify_evidence.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "evidence/receipt_file.h"
#include "recorded_session.h"

namespace sc::evidence {
namespace {

using namespace std::chrono_literals;
using proto::Direction;
using proto::test::Pair;
using proto::test::Side;
using proto::test::TestPki;
using test::record_session;
using test::RecordedSession;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        end = end == std::string::npos ? text.size() : end + 1;
        lines.push_back(text.substr(pos, end - pos));
        pos = end;
    }
    return lines;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) {
        out += l;
    }
    return out;
}

// 0-based index of the msg line of `dir` with `seqno` (its ack line follows it).
std::size_t index_of(const std::string& transcript, Direction dir, std::uint64_t seqno) {
    auto lines = lines_of(transcript);
    for (std::size_t i = 1; i < lines.size(); ++i) {
        auto first_bar = lines[i].find('|');
        auto second_bar = lines[i].find('|', first_bar + 1);
        if (lines[i].substr(0, first_bar) == std::to_string(seqno) &&
            lines[i].substr(second_bar + 1, 3) == proto::direction_name(dir)) {
            return i;
        }
    }
    ADD_FAILURE() << "no line " << seqno;
    return 0;
}

// Position of field `field` (0-based) in `line`.
std::size_t field_start(const std::string& line, int field) {
    std::size_t pos = 0;
    for (int i = 0; i < field; ++i) {
        pos = line.find('|', pos) + 1;
    }
    return pos;
}

// A different character of the same kind (digit, hex, base64), so the field stays well formed.
char other_char(char c) {
    if (c >= '0' && c <= '9') {
        return c == '1' ? '2' : '1';
    }
    if (c >= 'a' && c <= 'z') {
        return c == 'a' ? 'b' : 'a';
    }
    return c == 'A' ? 'B' : 'A';
}

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

class VerifyEvidence : public ::testing::Test {
  protected:
    VerifyEvidence() : session(record_session(pki)), trust(pki.ca.certificate()) {}

    // The client's transcript with the server's receipt: a party's own copy against the
    // receipt its peer signed, the usual way evidence is used.
    Result<EvidenceSummary> check(const std::string& transcript) const {
        return check(transcript, session.server_receipt, session.server_cert);
    }
    Result<EvidenceSummary> check(const std::string& transcript, const proto::msg::Receipt& receipt,
                                  const pki::Certificate& signer) const {
        return verify_evidence(transcript, test::receipt_text(session, receipt, signer), signer,
                               trust);
    }
    std::string error_of(const Result<EvidenceSummary>& r) const {
        return r ? std::string("(verified)") : r.error().message;
    }

    TestPki pki;
    RecordedSession session;
    EvidenceTrust trust;
};

TEST_F(VerifyEvidence, EachTranscriptVerifiesAgainstBothReceipts) {
    struct Signed {
        const proto::msg::Receipt* receipt;
        const pki::Certificate* signer;
        Role role;
    };
    for (const auto* transcript : {&session.client_transcript, &session.server_transcript}) {
        for (auto s : {Signed{&session.client_receipt, &session.client_cert, Role::client},
                       Signed{&session.server_receipt, &session.server_cert, Role::server}}) {
            SCOPED_TRACE((transcript == &session.client_transcript ? "client's transcript, "
                                                                   : "server's transcript, ") +
                         std::string(role_name(s.role)) + "'s receipt");
            auto r = check(*transcript, *s.receipt, *s.signer);
            ASSERT_TRUE(r) << r.error().message;
            EXPECT_EQ(r->session_id, session.session_id);
            EXPECT_EQ(r->client_name, "alice");
            EXPECT_EQ(r->server_name, "server");
            EXPECT_EQ(r->signer, s.role);
            EXPECT_EQ(r->c2s_messages, 4u);
            EXPECT_EQ(r->s2c_messages, 2u);
            EXPECT_EQ(to_hex(r->transcript_sha256), s.receipt->transcript_sha256);
            EXPECT_EQ(r->receipt_first_seq, 1u);
            EXPECT_EQ(r->receipt_last_seq, s.role == Role::client ? 2u : 4u);
            ASSERT_TRUE(r->first_ts && r->last_ts);
            EXPECT_LT(*r->first_ts, *r->last_ts);
            // Certificates are judged at the first message, not at the checker's clock.
            EXPECT_EQ(r->certificates_checked_at, time_from_ms(*r->first_ts));
        }
    }
}

TEST_F(VerifyEvidence, TheSessionCoversBothDirectionsAndARekey) {
    // The header, then 6 msg lines, each followed by its signed ack line (M5).
    EXPECT_EQ(lines_of(session.client_transcript).size(), 13u);
    EXPECT_EQ(lines_of(session.server_transcript).size(), 13u);
    EXPECT_EQ(session.client_receipt.transcript_sha256, session.server_receipt.transcript_sha256);
}

TEST_F(VerifyEvidence, InterleavingOfTheTwoDirectionsDoesNotMatter) {
    // s2c 1 first, s2c 2 last (each with its ack line): each direction keeps its order, the
    // mix changes.
    auto lines = lines_of(session.client_transcript);
    auto s2c_2 = index_of(session.client_transcript, Direction::s2c, 2);
    std::vector<std::string> moved(lines.begin() + static_cast<std::ptrdiff_t>(s2c_2),
                                   lines.begin() + static_cast<std::ptrdiff_t>(s2c_2) + 2);
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(s2c_2),
                lines.begin() + static_cast<std::ptrdiff_t>(s2c_2) + 2);
    lines.insert(lines.end(), moved.begin(), moved.end());
    auto s2c_1 = index_of(joined(lines), Direction::s2c, 1);
    moved.assign(lines.begin() + static_cast<std::ptrdiff_t>(s2c_1),
                 lines.begin() + static_cast<std::ptrdiff_t>(s2c_1) + 2);
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(s2c_1),
                lines.begin() + static_cast<std::ptrdiff_t>(s2c_1) + 2);
    lines.insert(lines.begin() + 1, moved.begin(), moved.end());
    ASSERT_NE(joined(lines), session.client_transcript);
    auto r = check(joined(lines));
    EXPECT_TRUE(r) << error_of(r);
}

struct FieldChange {
    int field;
    std::string expected;  // the start of what follows "line N (c2s seqno 2): "
};

class ChangedCharacter : public VerifyEvidence,
                         public ::testing::WithParamInterface<FieldChange> {};

TEST_P(ChangedCharacter, IsCaughtAndTheLineNamed) {
    auto lines = lines_of(session.client_transcript);
    auto i = index_of(session.client_transcript, Direction::c2s, 2);
    auto& line = lines[i];
    // Inside the field, away from base64 padding and its spare bits.
    auto pos = field_start(line, GetParam().field) + (GetParam().field == 1 ? 11 : 5);
    line[pos] = other_char(line[pos]);
    auto r = check(joined(lines));
    auto expected = "line " + std::to_string(i + 1) + " (c2s seqno 2): " + GetParam().expected;
    EXPECT_TRUE(starts_with(error_of(r), expected)) << error_of(r);
}

std::string field_name(const ::testing::TestParamInfo<FieldChange>& param) {
    static const char* const kNames[] = {"seqno",  "ts",  "dir",        "ct",
                                         "commit", "sig", "fingerprint"};
    return kNames[param.param.field];
}

INSTANTIATE_TEST_SUITE_P(
    Fields, ChangedCharacter,
    ::testing::Values(FieldChange{1, "signature does not verify"},
                      FieldChange{3, "signature does not verify"},
                      FieldChange{4, "signature does not verify"},
                      FieldChange{5, "signature does not verify"},
                      FieldChange{6, "its signer fingerprint is not the client certificate's"}),
    field_name);

TEST_F(VerifyEvidence, ChangedSeqnoIsNamed) {
    auto lines = lines_of(session.client_transcript);
    auto i = index_of(session.client_transcript, Direction::s2c, 2);
    lines[i][0] = '7';
    auto r = check(joined(lines));
    EXPECT_EQ(error_of(r), "line " + std::to_string(i + 1) +
                               " (s2c seqno 7): seqno is not the next s2c seqno 2 (seqnos are "
                               "consecutive from 1; the previous is 1)");
}

TEST_F(VerifyEvidence, LineClaimingTheOtherDirectionIsNamed) {
    auto lines = lines_of(session.client_transcript);
    auto i = index_of(session.client_transcript, Direction::c2s, 3);
    auto pos = field_start(lines[i], 2);
    lines[i].replace(pos, 3, "s2c");
    auto r = check(joined(lines));
    EXPECT_TRUE(
        starts_with(error_of(r), "line " + std::to_string(i + 1) +
                                     " (s2c seqno 3): its signer fingerprint is not the server "
                                     "certificate's"))
        << error_of(r);
}

TEST_F(VerifyEvidence, DeletedLineIsCaughtByTheTranscriptHash) {
    // The last c2s message with its ack: the lines still check, the receipts do not.
    auto lines = lines_of(session.server_transcript);
    auto last = index_of(session.server_transcript, Direction::c2s, 4);
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(last),
                lines.begin() + static_cast<std::ptrdiff_t>(last) + 2);
    for (auto* receipt : {&session.client_receipt, &session.server_receipt}) {
        auto r =
            check(joined(lines), *receipt,
                  receipt == &session.client_receipt ? session.client_cert : session.server_cert);
        EXPECT_TRUE(
            starts_with(error_of(r), "receipt: transcript_sha256 differs from the transcript"))
            << error_of(r);
    }
}

TEST_F(VerifyEvidence, M5_DeletedMessageInTheMiddleIsAGap) {
    auto lines = lines_of(session.server_transcript);
    auto i = index_of(session.server_transcript, Direction::c2s, 3);
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i),
                lines.begin() + static_cast<std::ptrdiff_t>(i) + 2);
    auto r = verify_transcript(joined(lines), trust);
    EXPECT_EQ(error_of(r), "line " +
                               std::to_string(index_of(joined(lines), Direction::c2s, 4) + 1) +
                               " (c2s seqno 4): seqno is not the next c2s seqno 3 (seqnos are "
                               "consecutive from 1; the previous is 2)");
    // Only the msg line: its ack line no longer follows a msg of its seqno.
    lines = lines_of(session.server_transcript);
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
    r = verify_transcript(joined(lines), trust);
    EXPECT_EQ(error_of(r), "line " + std::to_string(i + 1) +
                               " (ack of c2s seqno 3): it does not follow the c2s line of seqno 3");
}

TEST_F(VerifyEvidence, ReorderedLinesWithinADirectionAreNamed) {
    auto lines = lines_of(session.client_transcript);
    auto a = index_of(session.client_transcript, Direction::c2s, 2);
    auto b = index_of(session.client_transcript, Direction::c2s, 3);
    std::swap(lines[a], lines[b]);
    auto r = check(joined(lines));
    EXPECT_EQ(error_of(r), "line " + std::to_string(a + 1) +
                               " (c2s seqno 3): seqno is not the next c2s seqno 2 (seqnos are "
                               "consecutive from 1; the previous is 1)");
}

TEST_F(VerifyEvidence, DuplicatedLineIsNamed) {
    auto lines = lines_of(session.client_transcript);
    auto i = index_of(session.client_transcript, Direction::s2c, 1);
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i), lines[i]);
    auto r = check(joined(lines));
    EXPECT_EQ(error_of(r), "line " + std::to_string(i + 2) +
                               " (s2c seqno 1): seqno is not the next s2c seqno 2 (seqnos are "
                               "consecutive from 1; the previous is 1)");
}

TEST_F(VerifyEvidence, MalformedTranscriptsAreNamed) {
    const auto& t = session.client_transcript;
    auto lines = lines_of(t);
    EXPECT_EQ(error_of(check("")), "the transcript is empty");
    EXPECT_EQ(error_of(check(t.substr(0, t.size() - 1))),
              "line 13: malformed: it does not end with a newline (was the file cut short?)");
    EXPECT_TRUE(starts_with(error_of(check("securechat-transcript v2" + t.substr(24))),
                            "line 1 (header): malformed: it does not start with"));

    // lines[1] is a msg line and lines[2] its ack line.
    auto extra = lines;
    extra[1].insert(extra[1].size() - 1, "|x");
    EXPECT_EQ(error_of(check(joined(extra))),
              "line 2: malformed: expected 7 fields separated by '|', found 8");
    extra = lines;
    extra[2].insert(extra[2].size() - 1, "|x");
    EXPECT_EQ(error_of(check(joined(extra))),
              "line 3: malformed: an ack line has 5 fields separated by '|', found 6");
    auto missing = lines;
    missing[3].erase(missing[3].find('|'), 1);
    EXPECT_EQ(error_of(check(joined(missing))),
              "line 4: malformed: expected 7 fields separated by '|', found 6");
    auto padded = lines;
    padded[3].insert(0, "0");
    EXPECT_EQ(error_of(check(joined(padded))),
              "line 4: malformed: seqno '01' is not a decimal number from 1");
    auto crlf = lines;
    crlf[5].insert(crlf[5].size() - 1, "\r");
    EXPECT_EQ(error_of(check(joined(crlf))),
              "line 6: malformed: signer fingerprint is not 64 lower-case hex digits");
    auto upper = lines;
    auto pos = field_start(upper[1], 4);
    for (std::size_t k = pos; k < pos + 64; ++k) {
        upper[1][k] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[1][k])));
    }
    EXPECT_EQ(error_of(check(joined(upper))),
              "line 2: malformed: commit is not 64 lower-case hex digits");
    auto blank = lines;
    blank.insert(blank.begin() + 3, "\n");
    EXPECT_EQ(error_of(check(joined(blank))),
              "line 4: malformed: expected 7 fields separated by '|', found 1");
}

TEST_F(VerifyEvidence, ChangedReceiptFieldsAreNamed) {
    const auto& t = session.client_transcript;
    auto digest = session.server_receipt;
    digest.transcript_sha256[10] = other_char(digest.transcript_sha256[10]);
    EXPECT_EQ(error_of(check(t, digest, session.server_cert)),
              "receipt: transcript_sha256 differs from the transcript (receipt " +
                  digest.transcript_sha256 + ", transcript " +
                  session.server_receipt.transcript_sha256 + ")");

    auto last = session.server_receipt;
    last.last_seq = 3;
    EXPECT_EQ(error_of(check(t, last, session.server_cert)),
              "receipt: first_seq-last_seq is 1-3, but the c2s messages in the transcript (those "
              "the server received) are 1-4");
    auto first = session.client_receipt;
    first.first_seq = 2;
    EXPECT_EQ(error_of(check(t, first, session.client_cert)),
              "receipt: first_seq-last_seq is 2-2, but the s2c messages in the transcript (those "
              "the client received) are 1-2");

    auto sig = session.server_receipt;
    sig.sig[7] ^= 0x01;
    EXPECT_EQ(error_of(check(t, sig, session.server_cert)),
              "receipt: signature does not verify with the key of 'server'");

    auto peer = session.server_receipt;
    peer.peer = to_hex(session.server_cert.fingerprint());
    EXPECT_TRUE(starts_with(error_of(check(t, peer, session.server_cert)),
                            "receipt: peer " + peer.peer +
                                " is not the fingerprint of the client certificate 'alice'"));

    // A receipt from another session of the same two parties.
    auto other = record_session(pki);
    auto r =
        verify_evidence(t, test::receipt_text(other, other.server_receipt, session.server_cert),
                        session.server_cert, trust);
    EXPECT_TRUE(starts_with(error_of(r), "receipt: its session_id " + to_hex(other.session_id) +
                                             " is not the transcript's session"))
        << error_of(r);
}

TEST_F(VerifyEvidence, ReceiptFileMustBeWellFormed) {
    auto text = test::receipt_text(session, session.server_receipt, session.server_cert);
    auto with = [&](const std::function<void(nlohmann::json&)>& change) {
        auto j = nlohmann::json::parse(text);
        change(j);
        return error_of(
            verify_evidence(session.client_transcript, j.dump(2), session.server_cert, trust));
    };
    EXPECT_EQ(with([](auto& j) { j["extra"] = 1; }),
              "receipt file: 'receipt' has an unknown field \"extra\"");
    EXPECT_EQ(with([](auto& j) { j.erase("signer"); }),
              "receipt file: 'receipt' lacks the field \"signer\"");
    EXPECT_EQ(with([](auto& j) { j["last_seq"] = -1; }),
              "receipt file: \"last_seq\" of 'receipt' is not a non-negative integer");
    EXPECT_EQ(with([](auto& j) { j["type"] = "msg"; }),
              "receipt file: \"type\" is \"msg\", not \"receipt\"");
    EXPECT_EQ(error_of(verify_evidence(session.client_transcript, "not json", session.server_cert,
                                       trust)),
              "receipt file: payload is not valid JSON");
}

TEST_F(VerifyEvidence, WrongSignerCertificateIsRefused) {
    // The server's receipt checked as if the client had signed it.
    auto r =
        verify_evidence(session.client_transcript,
                        test::receipt_text(session, session.server_receipt, session.server_cert),
                        session.client_cert, trust);
    EXPECT_TRUE(starts_with(error_of(r), "receipt: it names the signer 'server'")) << error_of(r);
    EXPECT_NE(error_of(r).find("not the expected signer 'alice'"), std::string::npos);

    // The same receipt with its "signer" field swapped to match: the peer field gives it away.
    r = check(session.client_transcript, session.server_receipt, session.client_cert);
    EXPECT_TRUE(starts_with(error_of(r), "receipt: peer ")) << error_of(r);

    // A certificate of the same CA that is not in the transcript at all.
    auto bob =
        pki.issue(pki::Profile::client, "bob", crypto::KeyType::ed25519,
                  std::chrono::system_clock::now() - 1h, std::chrono::system_clock::now() + 24h);
    r = check(session.client_transcript, session.server_receipt, bob.chain.front());
    EXPECT_EQ(error_of(r),
              "the signer certificate 'bob' is neither the client's nor the server's certificate "
              "in the transcript");
}

TEST_F(VerifyEvidence, CertificatesFromAnotherCaAreRefused) {
    TestPki other;
    EvidenceTrust other_trust(other.ca.certificate());
    auto r =
        verify_evidence(session.client_transcript,
                        test::receipt_text(session, session.server_receipt, session.server_cert),
                        session.server_cert, other_trust);
    EXPECT_TRUE(starts_with(error_of(r),
                            "line 1 (header): the client certificate 'alice': certificate is "
                            "not issued by the trusted CA [unknown_issuer]"))
        << error_of(r);

    // The other CA's own parties cannot vouch for this transcript either.
    auto theirs = record_session(other);
    r = verify_evidence(session.client_transcript,
                        test::receipt_text(theirs, theirs.server_receipt, theirs.server_cert),
                        theirs.server_cert, trust);
    EXPECT_TRUE(starts_with(error_of(r), "the signer certificate 'server' is neither"))
        << error_of(r);
}

// ---- certificate time and revocation ----

struct ShortLived {
    ShortLived() {
        auto now = std::chrono::system_clock::now();
        auto c = proto::test::client_config(pki);
        auto s = proto::test::server_config(pki);
        c.identity =
            pki.issue(pki::Profile::client, "alice", crypto::KeyType::ed25519, now - 1h, now + 1h);
        s.identity =
            pki.issue(pki::Profile::server, "server", crypto::KeyType::ed25519, now - 1h, now + 1h);
        pair = std::make_unique<Pair>(std::move(c), std::move(s));
    }
    TestPki pki;
    std::unique_ptr<Pair> pair;
};

TEST(VerifyEvidenceTime, ExpiredCertificatesAreJudgedAtTheFirstMessage) {
    ShortLived setup;
    auto s = record_session(*setup.pair);
    EvidenceTrust later(setup.pki.ca.certificate());
    later.now = std::chrono::system_clock::now() + 48h;  // both leaves have expired by then
    auto r =
        verify_evidence(s.server_transcript, test::receipt_text(s, s.client_receipt, s.client_cert),
                        s.client_cert, later);
    EXPECT_TRUE(r) << r.error().message;
}

TEST(VerifyEvidenceTime, WithoutMessagesCertificatesAreJudgedNow) {
    ShortLived setup;
    auto& pair = *setup.pair;
    pair.login_and_chat();
    pair.deliver(pair.client->close(), Side::client);
    auto done = pair.client_events.of<proto::event::HandshakeDone>();
    auto receipts = pair.client_events.of<proto::event::ReceiptsExchanged>();
    ASSERT_EQ(receipts.size(), 1u);
    auto transcript = pair.client_events.transcript();
    EXPECT_EQ(lines_of(transcript).size(), 1u);
    const auto& server_cert = done.front().peer;
    auto text = receipt_file_text(receipts.front().peer, done.front().session_id, server_cert);

    EvidenceTrust now(setup.pki.ca.certificate());
    auto r = verify_evidence(transcript, text, server_cert, now);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->c2s_messages + r->s2c_messages, 0u);
    EXPECT_FALSE(r->first_ts);
    EXPECT_EQ(r->receipt_first_seq, 0u);
    EXPECT_EQ(r->receipt_last_seq, 0u);

    EvidenceTrust later(setup.pki.ca.certificate());
    later.now = std::chrono::system_clock::now() + 48h;
    r = verify_evidence(transcript, text, server_cert, later);
    ASSERT_FALSE(r);
    EXPECT_TRUE(starts_with(r.error().message,
                            "line 1 (header): the client certificate 'alice': certificate has "
                            "expired [expired]"))
        << r.error().message;
}

class VerifyEvidenceCrl : public VerifyEvidence {
  protected:
    pki::Crl crl(std::vector<pki::RevokedEntry> revoked, pki::TimePoint this_update,
                 pki::TimePoint next_update) {
        auto made = pki.ca.make_crl(revoked, this_update, next_update, 1);
        EXPECT_TRUE(made) << made.error().message;
        return std::move(made).value();
    }
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

TEST_F(VerifyEvidenceCrl, CurrentCrlWithoutTheCertificatesPasses) {
    trust.crls.push_back(crl({}, now - 10min, now + 24h));
    auto r = check(session.client_transcript);
    EXPECT_TRUE(r) << error_of(r);
}

TEST_F(VerifyEvidenceCrl, RevokedCertificateIsRefused) {
    // Revoked before the session.
    trust.crls.push_back(crl({{session.client_cert.serial(), now - 1h}}, now - 10min, now + 24h));
    auto r = check(session.client_transcript);
    EXPECT_TRUE(starts_with(error_of(r),
                            "line 1 (header): the client certificate 'alice': certificate is "
                            "revoked [revoked]"))
        << error_of(r);
}

TEST_F(VerifyEvidenceCrl, CrlPublishedAfterTheSessionSpeaksForIt) {
    trust.now = now + 5 * 24h;
    trust.crls.push_back(crl({}, now + 4 * 24h, now + 11 * 24h));
    auto r = check(session.client_transcript);
    EXPECT_TRUE(r) << error_of(r);

    // It lists the server as revoked since before the session: the evidence fails.
    trust.crls = {crl({{session.server_cert.serial(), now - 2h}}, now + 4 * 24h, now + 11 * 24h)};
    r = check(session.client_transcript);
    EXPECT_TRUE(starts_with(error_of(r),
                            "line 1 (header): the server certificate 'server': certificate is "
                            "revoked [revoked]: revoked "))
        << error_of(r);
}

TEST_F(VerifyEvidenceCrl, M5_RevocationAfterTheSessionDoesNotVoidIt) {
    trust.now = now + 5 * 24h;
    trust.crls = {
        crl({{session.server_cert.serial(), now + 4 * 24h}}, now + 4 * 24h, now + 11 * 24h)};
    auto r = check(session.client_transcript);
    EXPECT_TRUE(r) << error_of(r);
    r = verify_transcript(session.server_transcript, trust);
    EXPECT_TRUE(r) << error_of(r);
}

TEST_F(VerifyEvidenceCrl, M5_CrlNotSignedByTheCaIsRefused) {
    TestPki other;
    auto made = other.ca.make_crl({}, now - 10min, now + 24h, 1);
    ASSERT_TRUE(made);
    trust.crls.push_back(*made);
    auto r = check(session.client_transcript);
    EXPECT_TRUE(starts_with(error_of(r), "CRL: ")) << error_of(r);
}

TEST_F(VerifyEvidenceCrl, OutOfDateCrlIsRefused) {
    trust.crls.push_back(crl({}, now - 10 * 24h, now - 3 * 24h));
    auto r = check(session.client_transcript);
    EXPECT_TRUE(starts_with(error_of(r), "CRL: it is out of date")) << error_of(r);
}

TEST(VerifyEvidenceTime, CrlIssuedAfterTheCertificatesExpiredCannotVouch) {
    ShortLived setup;
    auto s = record_session(*setup.pair);
    auto now = std::chrono::system_clock::now();
    EvidenceTrust later(setup.pki.ca.certificate());
    later.now = now + 72h;
    auto crl = setup.pki.ca.make_crl({}, now + 48h, now + 96h, 2);
    ASSERT_TRUE(crl);
    later.crls.push_back(*crl);
    auto r =
        verify_evidence(s.client_transcript, test::receipt_text(s, s.server_receipt, s.server_cert),
                        s.server_cert, later);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("cannot show whether it was revoked at the time of the "
                                     "session"),
              std::string::npos)
        << r.error().message;
}

// ---- M5: acks, lines-only mode, time of judgement ----

TEST_F(VerifyEvidence, M5_LinesOnlyModeReportsHowFarTheAcksReach) {
    auto r = verify_transcript(session.client_transcript, trust);
    ASSERT_TRUE(r) << error_of(r);
    EXPECT_FALSE(r->has_receipt);
    EXPECT_EQ(r->c2s.messages, 4u);
    EXPECT_EQ(r->c2s.acked_through, 4u);
    EXPECT_EQ(r->c2s.unacknowledged, 0u);
    EXPECT_EQ(r->s2c.acked_through, 2u);
    EXPECT_EQ(to_hex(r->transcript_sha256), session.client_receipt.transcript_sha256);

    // Cut before the last line (an ack): the last message is reported as unacknowledged.
    auto lines = lines_of(session.client_transcript);
    auto last_line = lines.back();
    lines.pop_back();
    r = verify_transcript(joined(lines), trust);
    ASSERT_TRUE(r) << error_of(r);
    auto& proof = last_line.find("|c2s|") != std::string::npos ? r->c2s : r->s2c;
    EXPECT_EQ(proof.unacknowledged, 1u);
    EXPECT_EQ(proof.acked_through, proof.messages - 1);
}

TEST_F(VerifyEvidence, M5_ChangedAckIsNamed) {
    auto lines = lines_of(session.client_transcript);
    auto i = index_of(session.client_transcript, Direction::c2s, 2) + 1;  // its ack line
    auto forged = lines;
    auto pos = field_start(forged[i], 3) + 5;
    forged[i][pos] = other_char(forged[i][pos]);
    auto r = verify_transcript(joined(forged), trust);
    EXPECT_EQ(error_of(r), "line " + std::to_string(i + 1) +
                               " (ack of c2s seqno 2): the ack signature does not verify");
    // An ack "signed" by the sender itself.
    auto self = lines;
    pos = field_start(self[i], 4);
    self[i].replace(pos, 64, to_hex(session.client_cert.fingerprint()));
    r = verify_transcript(joined(self), trust);
    EXPECT_EQ(error_of(r), "line " + std::to_string(i + 1) +
                               " (ack of c2s seqno 2): its signer fingerprint is not the server "
                               "certificate's");
    // The ack of another message.
    auto other = lines;
    std::swap(other[i], other[index_of(session.client_transcript, Direction::c2s, 3) + 1]);
    r = verify_transcript(joined(other), trust);
    EXPECT_TRUE(starts_with(error_of(r), "line " + std::to_string(i + 1) + " (ack of c2s seqno 3)"))
        << error_of(r);
}

TEST(VerifyEvidenceTime, M5_CertificatesAreJudgedAtBothEndsOfTheSession) {
    ShortLived setup;  // leaves valid from now - 1 h to now + 1 h
    auto& pair = *setup.pair;
    pair.login_and_chat();
    pair.deliver(pair.client->send_text("while valid"), Side::client);
    pair.client_clock.advance(3h);
    pair.server_clock.advance(3h);
    pair.deliver(pair.client->send_text("after the certificates expired"), Side::client);
    ASSERT_EQ(pair.server_events.failure(), "");
    auto transcript = pair.server_events.transcript();
    EvidenceTrust trust(setup.pki.ca.certificate());
    auto r = verify_transcript(transcript, trust);
    ASSERT_FALSE(r);
    EXPECT_TRUE(starts_with(r.error().message,
                            "line 1 (header): the client certificate 'alice': certificate has "
                            "expired [expired]"))
        << r.error().message;
    // Whatever the holder's interleaving: with only the first message, it verifies.
    auto lines = lines_of(transcript);
    lines.resize(3);
    r = verify_transcript(joined(lines), trust);
    EXPECT_TRUE(r) << r.error().message;
}

// ---- disclosure ----

TEST_F(VerifyEvidence, EveryMessageCanBeDisclosed) {
    for (const auto& m : session.messages) {
        for (const auto* t : {&session.client_transcript, &session.server_transcript}) {
            auto d = check_disclosure(*t, m.seqno, m.dir, m.text, to_hex(m.salt));
            ASSERT_TRUE(d) << d.error().message;
            EXPECT_EQ(d->line_number, index_of(*t, m.dir, m.seqno) + 1);
            EXPECT_EQ(d->seqno, m.seqno);
            EXPECT_EQ(d->dir, m.dir);
        }
    }
}

TEST_F(VerifyEvidence, WrongDisclosuresAreRefused) {
    const auto& m = session.messages.at(2);  // c2s 2 "second | with a bar"
    ASSERT_EQ(m.dir, Direction::c2s);
    ASSERT_EQ(m.seqno, 2u);
    auto line = std::to_string(index_of(session.client_transcript, Direction::c2s, 2) + 1);
    auto mismatch = "disclosure: the text and salt do not match the commitment of line " + line +
                    " (c2s seqno 2)";
    auto salt = to_hex(m.salt);

    auto r = check_disclosure(session.client_transcript, 2, Direction::c2s, m.text + " ", salt);
    EXPECT_EQ(r ? "" : r.error().message, mismatch);
    auto wrong_salt = m.salt;
    wrong_salt[0] ^= 0x80;
    r = check_disclosure(session.client_transcript, 2, Direction::c2s, m.text, to_hex(wrong_salt));
    EXPECT_EQ(r ? "" : r.error().message, mismatch);
    // Another message's salt and text, claimed for this line.
    const auto& first = session.messages.at(0);
    r = check_disclosure(session.client_transcript, 2, Direction::c2s, first.text,
                         to_hex(first.salt));
    EXPECT_EQ(r ? "" : r.error().message, mismatch);
    // The right text and salt for the wrong direction.
    r = check_disclosure(session.client_transcript, 2, Direction::s2c, m.text, salt);
    EXPECT_FALSE(r);

    r = check_disclosure(session.client_transcript, 9, Direction::c2s, m.text, salt);
    EXPECT_EQ(r ? "" : r.error().message,
              "disclosure: the transcript has no c2s line with seqno 9");
    r = check_disclosure(session.client_transcript, 2, Direction::c2s, m.text, "abcd");
    EXPECT_EQ(r ? "" : r.error().message, "disclosure: the salt is not 32 hex digits");
}

}  // namespace
}  // namespace sc::evidence

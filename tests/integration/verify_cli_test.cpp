// `securechat verify` end to end on files written by SessionFiles from a real in-memory session,
// and the openssl recipe of docs/PROTOCOL.md §7.2, run exactly as written there.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <variant>

#include "common/base64.h"
#include "evidence/receipt_file.h"
#include "evidence/session_files.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "unit/evidence/recorded_session.h"

namespace sc {
namespace {

using evidence::test::RecordedSession;

using test::securechat;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// The paragraph is wrapped for people; tests read it as one line.
std::string unwrapped(std::string text) {
    for (auto& c : text) {
        if (c == '\n') {
            c = ' ';
        }
    }
    return text;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos) + 1;
        lines.push_back(text.substr(pos, end - pos));
        pos = end;
    }
    return lines;
}

// Both sides' files, written the way the server and the client write them.
class VerifyCli : public ::testing::Test {
  protected:
    explicit VerifyCli(crypto::KeyType type = crypto::KeyType::ed25519)
        : pki(type), session(evidence::test::record_session(pki)) {}

    void SetUp() override {
        std::filesystem::create_directory(tmp / "client");
        std::filesystem::create_directory(tmp / "server");
        client_files =
            save(tmp / "client", session.client_events, session.client_cert, session.server_cert);
        server_files =
            save(tmp / "server", session.server_events, session.server_cert, session.client_cert);
        test::write_text(ca(), pki.ca.certificate().to_pem());
        test::write_text(client_crt(), session.client_cert.to_pem());
        test::write_text(server_crt(), session.server_cert.to_pem());
    }

    std::filesystem::path save(const std::filesystem::path& dir,
                               const std::vector<proto::Event>& events, const pki::Certificate& own,
                               const pki::Certificate& peer) {
        auto files = evidence::SessionFiles::create(dir, session.session_id);
        EXPECT_TRUE(files) << files.error().message;
        for (const auto& e : events) {
            if (const auto* t = std::get_if<proto::event::TranscriptAppend>(&e)) {
                EXPECT_TRUE(files->append(t->text));
            } else if (const auto* r = std::get_if<proto::event::ReceiptsExchanged>(&e)) {
                auto saved = files->save_receipts(r->own, r->peer, session.session_id, own, peer);
                EXPECT_TRUE(saved) << saved.error().message;
            }
        }
        return files->transcript_path();
    }

    std::string base(const std::filesystem::path& transcript) const {
        auto s = transcript.string();
        return s.substr(0, s.size() - std::string(".transcript").size());
    }
    std::string own_receipt(const std::filesystem::path& t) const {
        return base(t) + ".receipt.own.json";
    }
    std::string peer_receipt(const std::filesystem::path& t) const {
        return base(t) + ".receipt.peer.json";
    }
    std::string ca() const { return (tmp / "ca.crt").string(); }
    std::string client_crt() const { return (tmp / "alice.crt").string(); }
    std::string server_crt() const { return (tmp / "server.crt").string(); }

    test::CommandResult verify(const std::string& transcript, const std::string& receipt,
                               const std::string& cert, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"verify", transcript, receipt, "--cert", cert, "--ca", ca()};
        args.insert(args.end(), extra.begin(), extra.end());
        return securechat(args);
    }

    proto::test::TestPki pki;
    RecordedSession session;
    test::TempDir tmp;
    std::filesystem::path client_files;
    std::filesystem::path server_files;
};

TEST_F(VerifyCli, BothCopiesVerifyAgainstBothReceipts) {
    for (const auto& t : {client_files, server_files}) {
        bool client = t == client_files;
        for (const auto& [receipt, cert] :
             {std::pair{own_receipt(t), client ? client_crt() : server_crt()},
              std::pair{peer_receipt(t), client ? server_crt() : client_crt()}}) {
            auto r = verify(t.string(), receipt, cert);
            EXPECT_EQ(r.exit_code, 0) << receipt << "\n" << r.output;
            auto text = unwrapped(r.output);
            EXPECT_TRUE(contains(text, "OK: session " + to_hex(session.session_id) +
                                           " between the client 'alice' and the server 'server'."))
                << text;
            EXPECT_TRUE(contains(text,
                                 "4 messages from the client to the server and 2 from the "
                                 "server to the client"))
                << text;
            EXPECT_TRUE(contains(
                text, "Its transcript hash is " + session.server_receipt.transcript_sha256))
                << text;
            EXPECT_TRUE(contains(text,
                                 "Each message's signature verifies with its sender's "
                                 "certificate, and binds the session, both certificates"))
                << text;
            EXPECT_TRUE(contains(text,
                                 "The server signed acknowledgements of messages 1 to 4 of the "
                                 "4 messages from the client."))
                << text;
            EXPECT_TRUE(contains(text, "Both certificates chain to the CA")) << text;
            EXPECT_TRUE(contains(text, cert == client_crt()
                                           ? "signed by the client 'alice' (its word only), "
                                             "covers this whole transcript and acknowledges "
                                             "messages 1 to 2 from the server"
                                           : "signed by the server 'server' (its word only), "
                                             "covers this whole transcript and acknowledges "
                                             "messages 1 to 4 from the client"))
                << text;
        }
    }
}

TEST_F(VerifyCli, M5_LinesOnlyModeWithoutAReceipt) {
    auto r = securechat({"verify", client_files.string(), "--ca", ca()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto text = unwrapped(r.output);
    EXPECT_TRUE(contains(text, "No receipt was checked.")) << text;
    EXPECT_TRUE(contains(text,
                         "The client signed acknowledgements of messages 1 to 2 of the 2 "
                         "messages from the server."))
        << text;
    // A transcript cut before its last ack: still verifies, and says what is unacknowledged.
    auto lines = lines_of(test::read_text(client_files));
    lines.pop_back();
    std::string cut;
    for (const auto& l : lines) {
        cut += l;
    }
    auto path = tmp / "cut.transcript";
    test::write_text(path, cut);
    r = securechat({"verify", path.string(), "--ca", ca()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(unwrapped(r.output), "after the last acknowledgement are unacknowledged"))
        << r.output;
}

std::size_t msg_line_index(const std::vector<std::string>& lines, const std::string& prefix) {
    for (std::size_t i = 1; i < lines.size(); ++i) {
        if (lines[i].rfind(prefix, 0) == 0 && lines[i].find("|ack|") == std::string::npos) {
            return i;
        }
    }
    return 0;
}

TEST_F(VerifyCli, TamperedLineFailsNamingIt) {
    auto lines = lines_of(test::read_text(client_files));
    ASSERT_EQ(lines.size(), 13u);  // the header, 6 msg lines, each with its ack line
    // Change one character of the ct of c2s seqno 2.
    auto i = msg_line_index(lines, "2|");
    ASSERT_NE(lines[i].find("|c2s|"), std::string::npos);
    auto pos = lines[i].find("|c2s|") + 10;
    lines[i][pos] = lines[i][pos] == 'A' ? 'B' : 'A';
    std::string tampered;
    for (const auto& l : lines) {
        tampered += l;
    }
    auto path = tmp / "tampered.transcript";
    test::write_text(path, tampered);
    auto r = verify(path.string(), peer_receipt(client_files), server_crt());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output,
              "FAIL line " + std::to_string(i + 1) + " (c2s seqno 2): signature does not verify\n");
}

TEST_F(VerifyCli, OtherFailuresAreOneLine) {
    auto r = verify(client_files.string(), peer_receipt(client_files), client_crt());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output.rfind("FAIL receipt: it names the signer 'server'", 0), 0u) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;

    r = verify((tmp / "missing.transcript").string(), peer_receipt(client_files), server_crt());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output.rfind("FAIL cannot read ", 0), 0u) << r.output;

    proto::test::TestPki other;
    test::write_text(tmp / "other-ca.crt", other.ca.certificate().to_pem());
    r = securechat({"verify", client_files.string(), peer_receipt(client_files), "--cert",
                    server_crt(), "--ca", (tmp / "other-ca.crt").string()});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output,
                         "FAIL line 1 (header): the client certificate 'alice': "
                         "certificate is not issued by the trusted CA"))
        << r.output;

    // Revoked before the session (a revocation after it would not void the evidence, M5).
    auto crl = pki.ca.make_crl(
        {{session.client_cert.serial(), std::chrono::system_clock::now() - std::chrono::hours(1)}},
        std::chrono::system_clock::now() - std::chrono::minutes(5),
        std::chrono::system_clock::now() + std::chrono::hours(24), 1);
    ASSERT_TRUE(crl);
    test::write_text(tmp / "ca.crl", crl->to_pem());
    r = verify(client_files.string(), peer_receipt(client_files), server_crt(),
               {"--crl", (tmp / "ca.crl").string()});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "certificate is revoked [revoked]")) << r.output;
}

// Raw C0 (but the line feeds that end lines), DEL, C1 (U+0080-U+009F as UTF-8) or a bidi
// control (U+202A-U+202E, U+2066-U+2069) in what a terminal would be shown.
bool has_raw_controls(const std::string& out) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto b = static_cast<unsigned char>(out[i]);
        auto next = i + 1 < out.size() ? static_cast<unsigned char>(out[i + 1]) : 0;
        auto third = i + 2 < out.size() ? static_cast<unsigned char>(out[i + 2]) : 0;
        if ((b < 0x20 && b != '\n') || b == 0x7f || (b == 0xc2 && next >= 0x80 && next <= 0x9f) ||
            (b == 0xe2 && next == 0x80 && third >= 0xaa && third <= 0xae) ||
            (b == 0xe2 && next == 0x81 && third >= 0xa6 && third <= 0xa9)) {
            return true;
        }
    }
    return false;
}

TEST_F(VerifyCli, M1_ControlCharactersInFailuresNeverReachTheTerminal) {
    std::string hostile = "evil";
    for (int c = 1; c < 0x20; ++c) {
        if (c != '/') {
            hostile.push_back(static_cast<char>(c));
        }
    }
    hostile +=
        "\x7f\xc2\x9b"
        "31m\xe2\x80\xae\xe2\x81\xa6\xff";
    // A file name (quoted by the "cannot read" reason) ...
    auto r = verify((tmp / hostile).string(), peer_receipt(client_files), server_crt());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output.rfind("FAIL cannot read ", 0), 0u) << r.output;
    EXPECT_FALSE(has_raw_controls(r.output)) << r.output;
    EXPECT_NE(r.output.find("\\x1b"), std::string::npos) << r.output;  // shown, as \x1b
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;

    // ... and transcript bytes (a header and a line full of them), with and without a receipt.
    auto path = tmp / "hostile.transcript";
    test::write_text(path, "securechat-transcript v1|" + hostile + "\n1|" + hostile + "\n");
    for (const auto& run : {verify(path.string(), peer_receipt(client_files), server_crt()),
                            securechat({"verify", path.string(), "--ca", ca()})}) {
        EXPECT_EQ(run.exit_code, 1) << run.output;
        EXPECT_EQ(run.output.rfind("FAIL ", 0), 0u) << run.output;
        EXPECT_FALSE(has_raw_controls(run.output)) << run.output;
        EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
    }
}

TEST_F(VerifyCli, DisclosureOfOneMessage) {
    const auto& m = session.messages.at(2);  // c2s seqno 2, "second | with a bar"
    ASSERT_EQ(m.seqno, 2u);
    auto r = verify(server_files.string(), peer_receipt(server_files), client_crt(),
                    {"--disclose", "2:c2s", "--text", m.text, "--salt", to_hex(m.salt)});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto line = std::to_string(msg_line_index(lines_of(test::read_text(server_files)), "2|") + 1);
    EXPECT_TRUE(contains(unwrapped(r.output),
                         "Disclosed: the given text and salt match the commitment of line " + line +
                             " (c2s seqno 2, sent by the client 'alice' at "))
        << r.output;

    const auto& s2c = session.messages.at(1);  // s2c seqno 1, "hello alice"
    r = verify(client_files.string(), peer_receipt(client_files), server_crt(),
               {"--disclose", "1:s2c", "--text", s2c.text, "--salt", to_hex(s2c.salt)});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(unwrapped(r.output), "(s2c seqno 1, sent by the server 'server' at "))
        << r.output;

    r = verify(server_files.string(), peer_receipt(server_files), client_crt(),
               {"--disclose", "2:c2s", "--text", "second | with a bat", "--salt", to_hex(m.salt)});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output, "FAIL disclosure: the text and salt do not match the commitment of line " +
                            line + " (c2s seqno 2)\n");
}

TEST_F(VerifyCli, BadArgumentsExitTwo) {
    auto t = client_files.string();
    auto rc = peer_receipt(client_files);
    auto salt = std::string(32, 'a');
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"verify", t, rc, "--cert", server_crt()},  // no --ca
             {"verify", t, "--cert", server_crt(), "--ca", ca()},
             {"verify", t, rc, "--cert", server_crt(), "--ca", ca(), "--disclose", "2:c2s"},
             {"verify", t, rc, "--cert", server_crt(), "--ca", ca(), "--text", "x", "--salt", salt},
             {"verify", t, rc, "--cert", server_crt(), "--ca", ca(), "--disclose", "2:up", "--text",
              "x", "--salt", salt},
             {"verify", t, rc, "--cert", server_crt(), "--ca", ca(), "--disclose", "0:c2s",
              "--text", "x", "--salt", salt},
             {"verify", t, rc, "--cert", server_crt(), "--ca", ca(), "--disclose", "2:c2s",
              "--text", "x", "--salt", "abc"},
         }) {
        auto r = securechat(args);
        EXPECT_EQ(r.exit_code, 2) << args.size() << "\n" << r.output;
    }
}

// ---- docs/PROTOCOL.md §7.2, exactly as written ----

// The first ```sh block after the §7.2 heading.
std::string documented_script() {
    auto doc =
        test::read_text(std::filesystem::path(SECURECHAT_SOURCE_DIR) / "docs" / "PROTOCOL.md");
    auto heading = doc.find("### 7.2 Checking a receipt with the openssl command line");
    EXPECT_NE(heading, std::string::npos);
    auto start = doc.find("```sh\n", heading);
    EXPECT_NE(start, std::string::npos);
    start += 6;
    auto end = doc.find("```\n", start);
    EXPECT_NE(end, std::string::npos);
    return doc.substr(start, end - start);
}

class OpensslRecipe : public VerifyCli {
  protected:
    // Runs the script in a fresh scratch directory, as the documentation says to.
    test::CommandResult run_recipe(const std::string& receipt, const std::string& transcript,
                                   const std::string& signer, const std::string& peer) {
        auto script = tmp / "check-receipt.sh";
        test::write_text(script, documented_script());
        auto scratch = tmp / ("scratch" + std::to_string(++runs));
        std::filesystem::create_directory(scratch);
        return test::run_command({"sh", "-c", "cd \"$1\" && shift && exec sh \"$@\"", "sh",
                                  scratch.string(), script.string(), receipt, transcript, signer,
                                  peer, ca()});
    }
    int runs = 0;
};

TEST_F(OpensslRecipe, DocumentedCommandsVerifyBothReceipts) {
    if (test::run_command({"xxd", "-v"}).exit_code != 0) {
        GTEST_SKIP() << "xxd is not installed (Debian package xxd)";
    }
    auto script = documented_script();
    ASSERT_TRUE(contains(script,
                         "openssl pkeyutl -verify -pubin -inkey signer_pub.pem -rawin "
                         "-in signed.bin -sigfile sig.bin"));
    auto r =
        run_recipe(peer_receipt(client_files), client_files.string(), server_crt(), client_crt());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "Signature Verified Successfully")) << r.output;
    r = run_recipe(own_receipt(client_files), client_files.string(), client_crt(), server_crt());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "Signature Verified Successfully")) << r.output;
    r = run_recipe(peer_receipt(server_files), server_files.string(), client_crt(), server_crt());
    EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(OpensslRecipe, FlippedBytesFail) {
    if (test::run_command({"xxd", "-v"}).exit_code != 0) {
        GTEST_SKIP() << "xxd is not installed (Debian package xxd)";
    }
    // One bit of the signature: everything else checks out, the signature does not.
    auto parsed = evidence::parse_receipt_file(test::read_text(peer_receipt(client_files)));
    ASSERT_TRUE(parsed) << parsed.error().message;
    auto receipt = parsed->receipt;
    receipt.sig[10] ^= 0x01;
    auto bad_sig = tmp / "bad-sig.json";
    test::write_text(bad_sig,
                     evidence::receipt_file_text(receipt, session.session_id, parsed->signer));
    auto r = run_recipe(bad_sig.string(), client_files.string(), server_crt(), client_crt());
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "Signature Verification Failure")) << r.output;

    // A signed field the script does not compare with anything: only the signature catches it.
    receipt = parsed->receipt;
    receipt.last_seq += 1;
    auto bad_last = tmp / "bad-last.json";
    test::write_text(bad_last,
                     evidence::receipt_file_text(receipt, session.session_id, parsed->signer));
    r = run_recipe(bad_last.string(), client_files.string(), server_crt(), client_crt());
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "Signature Verification Failure")) << r.output;

    // One byte of transcript_sha256: it no longer matches the recomputed hash.
    receipt = parsed->receipt;
    auto digest = from_hex(receipt.transcript_sha256).value();
    digest[0] ^= 0x01;
    receipt.transcript_sha256 = to_hex(digest);
    auto bad_hash = tmp / "bad-hash.json";
    test::write_text(bad_hash,
                     evidence::receipt_file_text(receipt, session.session_id, parsed->signer));
    r = run_recipe(bad_hash.string(), client_files.string(), server_crt(), client_crt());
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output,
                         "FAIL transcript_sha256: receipt has '" + receipt.transcript_sha256 + "'"))
        << r.output;

    // One byte of the transcript: its recomputed hash no longer matches the receipt.
    auto lines = lines_of(test::read_text(client_files));
    auto pos = lines[2].find("|s2c|") + 10;
    lines[2][pos] = lines[2][pos] == 'A' ? 'B' : 'A';
    std::string tampered;
    for (const auto& l : lines) {
        tampered += l;
    }
    auto bad_transcript = tmp / "bad.transcript";
    test::write_text(bad_transcript, tampered);
    r = run_recipe(peer_receipt(client_files), bad_transcript.string(), server_crt(), client_crt());
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "FAIL transcript_sha256: ")) << r.output;
    EXPECT_FALSE(contains(r.output, "Signature Verified Successfully")) << r.output;

    // The receipt checked against the wrong signer certificate.
    r = run_recipe(peer_receipt(client_files), client_files.string(), client_crt(), server_crt());
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "FAIL signer: ")) << r.output;
}

}  // namespace
}  // namespace sc

// SessionFiles: the on-disk layout and modes, refusal to reuse or follow existing files, and
// files that verify_evidence accepts.
#include "evidence/session_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <variant>

#include "common/files.h"
#include "evidence/verify_evidence.h"
#include "recorded_session.h"
#include "support/file_mode.h"
#include "support/temp_dir.h"

namespace sc::evidence {
namespace {

using sc::test::mode_of;

// What an owner of a session does with its events.
Status save(SessionFiles& files, const std::vector<proto::Event>& events,
            const pki::Certificate& own_leaf, const pki::Certificate& peer_leaf,
            const SessionId& session_id) {
    for (const auto& e : events) {
        if (const auto* t = std::get_if<proto::event::TranscriptAppend>(&e)) {
            SC_TRY(files.append(t->text));
        } else if (const auto* r = std::get_if<proto::event::ReceiptsExchanged>(&e)) {
            SC_TRY(files.save_receipts(r->own, r->peer, session_id, own_leaf, peer_leaf));
        }
    }
    return {};
}

class SessionFilesTest : public ::testing::Test {
  protected:
    SessionFilesTest() : session(test::record_session(pki)) {}
    proto::test::TestPki pki;
    test::RecordedSession session;
    sc::test::TempDir tmp;
};

// A default (all-zero) SessionId means the caller has no handshake yet: no file is made for it.
TEST_F(SessionFilesTest, AnAllZeroSessionIdIsRefused) {
    auto files = SessionFiles::create(tmp.path(), SessionId{});
    ASSERT_FALSE(files.ok());
    EXPECT_NE(files.error().message.find("without a session id"), std::string::npos);
    EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

TEST_F(SessionFilesTest, BothSidesWriteFilesThatVerify) {
    auto client_dir = tmp / "client";
    auto server_dir = tmp / "server";
    std::filesystem::create_directory(client_dir);
    std::filesystem::create_directory(server_dir);
    auto client = SessionFiles::create(client_dir, session.session_id);
    auto server = SessionFiles::create(server_dir, session.session_id);
    ASSERT_TRUE(client) << client.error().message;
    ASSERT_TRUE(server) << server.error().message;
    auto id = to_hex(session.session_id);
    EXPECT_EQ(client->transcript_path(), client_dir / (id + ".transcript"));
    EXPECT_EQ(client->own_receipt_path(), client_dir / (id + ".receipt.own.json"));
    EXPECT_EQ(client->peer_receipt_path(), client_dir / (id + ".receipt.peer.json"));

    auto saved = save(*client, session.client_events, session.client_cert, session.server_cert,
                      session.session_id);
    ASSERT_TRUE(saved) << saved.error().message;
    saved = save(*server, session.server_events, session.server_cert, session.client_cert,
                 session.session_id);
    ASSERT_TRUE(saved) << saved.error().message;

    EXPECT_EQ(mode_of(client->transcript_path()), 0600u);
    EXPECT_EQ(mode_of(client->own_receipt_path()), 0644u);
    EXPECT_EQ(mode_of(client->peer_receipt_path()), 0644u);
    EXPECT_EQ(sc::test::read_text(client->transcript_path()), session.client_transcript);
    EXPECT_EQ(sc::test::read_text(server->transcript_path()), session.server_transcript);
    EXPECT_EQ(sc::test::read_text(client->own_receipt_path()),
              sc::test::read_text(server->peer_receipt_path()));
    EXPECT_EQ(sc::test::read_text(server->own_receipt_path()),
              sc::test::read_text(client->peer_receipt_path()));

    EvidenceTrust trust(pki.ca.certificate());
    for (const auto* files : {&*client, &*server}) {
        auto transcript = sc::test::read_text(files->transcript_path());
        for (const auto& [receipt, signer] :
             {std::pair{files->own_receipt_path(),
                        files == &*client ? session.client_cert : session.server_cert},
              std::pair{files->peer_receipt_path(),
                        files == &*client ? session.server_cert : session.client_cert}}) {
            auto r = verify_evidence(transcript, sc::test::read_text(receipt), signer, trust);
            EXPECT_TRUE(r) << receipt << ": " << r.error().message;
        }
    }
}

TEST_F(SessionFilesTest, RefusesAnExistingTranscriptOrSymlink) {
    auto first = SessionFiles::create(tmp.path(), session.session_id);
    ASSERT_TRUE(first);
    auto again = SessionFiles::create(tmp.path(), session.session_id);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("already exists"), std::string::npos);

    SessionId other_id = *SessionId::from_view(Bytes(32, 0x42));
    auto target = tmp / "elsewhere";
    sc::test::write_text(target, "precious\n");
    ASSERT_EQ(::symlink(target.c_str(), (tmp / (to_hex(other_id) + ".transcript")).c_str()), 0);
    auto through = SessionFiles::create(tmp.path(), other_id);
    EXPECT_FALSE(through);
    EXPECT_EQ(sc::test::read_text(target), "precious\n");
}

TEST_F(SessionFilesTest, RefusesToOverwriteReceiptsOrMixSessions) {
    auto files = SessionFiles::create(tmp.path(), session.session_id);
    ASSERT_TRUE(files);
    ASSERT_TRUE(files->append(session.client_transcript));
    SessionId wrong = *SessionId::from_view(Bytes(32, 0x01));
    auto mixed = files->save_receipts(session.client_receipt, session.server_receipt, wrong,
                                      session.client_cert, session.server_cert);
    EXPECT_FALSE(mixed);
    EXPECT_FALSE(std::filesystem::exists(files->own_receipt_path()));
    auto saved = files->save_receipts(session.client_receipt, session.server_receipt,
                                      session.session_id, session.client_cert, session.server_cert);
    ASSERT_TRUE(saved) << saved.error().message;
    auto twice = files->save_receipts(session.client_receipt, session.server_receipt,
                                      session.session_id, session.client_cert, session.server_cert);
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error().message.find("refusing to overwrite"), std::string::npos)
        << twice.error().message;
}

TEST_F(SessionFilesTest, MissingDirectoryIsAnError) {
    auto files = SessionFiles::create(tmp / "nope", session.session_id);
    ASSERT_FALSE(files);
    EXPECT_NE(files.error().message.find("cannot create transcript"), std::string::npos);
}

TEST_F(SessionFilesTest, AppendsGoToTheEndEvenAfterAnotherWriter) {
    auto files = SessionFiles::create(tmp.path(), session.session_id);
    ASSERT_TRUE(files);
    ASSERT_TRUE(files->append("a\n"));
    {
        // Without O_APPEND our next write would land at our own offset, over this line.
        std::ofstream other(files->transcript_path(), std::ios::app);
        other << "x\n";
    }
    ASSERT_TRUE(files->append("b\n"));
    auto moved = std::move(files).value();
    ASSERT_TRUE(moved.append("c\n"));
    EXPECT_EQ(sc::test::read_text(moved.transcript_path()), "a\nx\nb\nc\n");
}

}  // namespace
}  // namespace sc::evidence

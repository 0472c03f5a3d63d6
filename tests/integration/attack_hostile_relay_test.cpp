// `securechat attack hostile-server` after the handshake (issue 13 item 5): a compromised server
// with a genuine certificate, playing bob's device with the real e2e library, against the real
// client (`securechat chat --json`). It swaps bob's prekey or his device certificate; pushes
// bob's genuine envelopes twice, in the wrong order or with one dropped; or forges a `stored`
// or a `delivered` statement. The client refuses or warns in plain words, and the tool reports
// what it saw the client do: nothing sent to the swapped device; one delivered statement for
// the message relayed twice; and the warning the client recorded in its transcript.
#include <gtest/gtest.h>

#include "e2e_fixture.h"
#include "server_fixture.h"
#include "support/live_process.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

class AttackHostileRelay : public ::testing::Test {
  protected:
    AttackHostileRelay() : ca_(tmp_ / "ca") {}

    // Starts the tool for `kind` and returns the port it listens on (0 on failure).
    unsigned short start(const std::string& kind, const std::vector<std::string>& more = {}) {
        std::vector<std::string> argv{securechat_binary(),
                                      "attack",
                                      "hostile-server",
                                      "--kind",
                                      kind,
                                      "--ca-dir",
                                      ca_.dir.string(),
                                      "--peer-cert",
                                      (ca_.dir / "bob.crt").string(),
                                      "--peer-key",
                                      (ca_.dir / "bob.key").string(),
                                      "--patience",
                                      "40",
                                      "--client-data",
                                      (tmp_ / ("data-" + kind)).string()};
        argv.insert(argv.end(), more.begin(), more.end());
        tool_ = std::make_unique<LiveProcess>(argv);
        while (auto line = tool_->read_line(20s)) {
            printed_ += *line + "\n";
            if (auto at = line->find("listening on 127.0.0.1:"); at != std::string::npos) {
                return static_cast<unsigned short>(std::stoi(line->substr(at + 23)));
            }
        }
        return 0;
    }
    // The client, logged in through the tool.
    std::unique_ptr<JsonChat> client(unsigned short port, const std::string& kind) {
        auto chat =
            std::make_unique<JsonChat>(chat_argv(ca_.dir / "ca.crt", port, ca_.dir / "client.crt",
                                                 ca_.dir / "client.key", tmp_ / ("data-" + kind)),
                                       "client");
        chat->say("/login client any-password-will-do");
        chat->take("logged_in");
        return chat;
    }
    // What the tool printed once the client has quit, and its exit code.
    int finish(JsonChat& chat) {
        chat.say("/quit");
        chat.process().wait_exit(kE2eWait);
        while (auto line = tool_->read_line(20s)) {
            printed_ += *line + "\n";
        }
        return tool_->wait_exit(10s);
    }

    TempDir tmp_;
    TestCa ca_;
    std::unique_ptr<LiveProcess> tool_;
    std::string printed_;
};

TEST_F(AttackHostileRelay, ASwappedPrekeyIsRefusedAndNothingGoesToThatDevice) {
    auto port = start("swap-prekey");
    ASSERT_NE(port, 0) << printed_;
    auto chat = client(port, "swap-prekey");
    chat->say("/msg bob this must not leave");
    auto error = chat->take("error", with("code", "bad_prekey"));
    EXPECT_FALSE(error.is_null()) << chat->transcript();
    EXPECT_EQ(finish(*chat), 0) << printed_;
    EXPECT_NE(printed_.find("served it with a prekey the friend never signed"), std::string::npos)
        << printed_;
    EXPECT_NE(printed_.find("STOPPED refused"), std::string::npos) << printed_;
    EXPECT_EQ(printed_.find("sent an envelope"), std::string::npos) << printed_;
}

TEST_F(AttackHostileRelay, ADeviceCertificateFromAnotherCaIsRefusedAndNothingGoesToIt) {
    auto port = start("swap-device");
    ASSERT_NE(port, 0) << printed_;
    auto chat = client(port, "swap-device");
    chat->say("/msg bob which CA are you from");
    auto error = chat->take("error", with("code", "bad_certificate"));
    EXPECT_FALSE(error.is_null()) << chat->transcript();
    EXPECT_EQ(finish(*chat), 0) << printed_;
    EXPECT_NE(printed_.find("STOPPED refused"), std::string::npos) << printed_;
    EXPECT_EQ(printed_.find("sent an envelope"), std::string::npos) << printed_;
}

TEST_F(AttackHostileRelay, AnEnvelopeRelayedTwiceIsShownOnceWarnedOfAndDeliveredOnce) {
    auto port = start("replay");
    ASSERT_NE(port, 0) << printed_;
    auto chat = client(port, "replay");
    chat->take("message", with_text("message 1 of 1 from the friend"));
    auto warning = chat->take("warning", with("code", "replayed"));
    EXPECT_EQ(warning.value("user", ""), "bob") << warning.dump();
    EXPECT_EQ(chat->seen("message").size(), 1U) << chat->transcript();
    // A reply to bob is an envelope to his device too, but no delivered statement.
    chat->say("/msg bob I saw it once");
    chat->take("relayed");
    EXPECT_EQ(finish(*chat), 0) << printed_;
    EXPECT_NE(printed_.find("the client sent an envelope"), std::string::npos) << printed_;
    EXPECT_NE(printed_.find("signed 1 delivered statement(s)"), std::string::npos) << printed_;
    EXPECT_NE(printed_.find("STOPPED duplicate_dropped"), std::string::npos) << printed_;
}

TEST_F(AttackHostileRelay, EnvelopesInTheWrongOrderAreShownAndWarnedOf) {
    auto port = start("reorder");
    ASSERT_NE(port, 0) << printed_;
    auto chat = client(port, "reorder");
    chat->take("message", with_text("message 2 of 2 from the friend"));
    chat->take("message", with_text("message 1 of 2 from the friend"));
    auto warning = chat->take("warning", with("code", "out_of_order"));
    EXPECT_EQ(warning.value("user", ""), "bob") << warning.dump();
    EXPECT_EQ(finish(*chat), 0) << printed_;
    EXPECT_NE(printed_.find("in the wrong order (2, then 1)"), std::string::npos) << printed_;
    EXPECT_NE(printed_.find("recorded the warning out_of_order"), std::string::npos) << printed_;
    EXPECT_NE(printed_.find("STOPPED out_of_order"), std::string::npos) << printed_;
}

TEST_F(AttackHostileRelay, ADroppedEnvelopeIsWarnedOfOnTheNext) {
    auto port = start("drop");
    ASSERT_NE(port, 0) << printed_;
    auto chat = client(port, "drop");
    chat->take("message", with_text("message 1 of 3 from the friend"));
    chat->take("message", with_text("message 3 of 3 from the friend"));
    chat->take("warning", with("code", "messages_missing"));
    EXPECT_EQ(finish(*chat), 0) << printed_;
    EXPECT_NE(printed_.find("STOPPED messages_missing"), std::string::npos) << printed_;
}

TEST_F(AttackHostileRelay, AStoredStatementTheServerDidNotSignIsRefused) {
    auto port = start("forge-stored");
    ASSERT_NE(port, 0) << printed_;
    auto chat = client(port, "forge-stored");
    chat->say("/msg bob keep this for me");
    chat->take("error", with("code", "bad_stored_statement"));
    EXPECT_EQ(finish(*chat), 0) << printed_;
    EXPECT_NE(printed_.find("whose signature is not the server's"), std::string::npos) << printed_;
    EXPECT_NE(printed_.find("STOPPED bad_stored_statement"), std::string::npos) << printed_;
    EXPECT_EQ(printed_.find("served it"), std::string::npos) << "the genuine bundle was served\n"
                                                             << printed_;
}

TEST_F(AttackHostileRelay, ADeliveredStatementTheFriendDidNotSignIsRefused) {
    auto port = start("forge-delivered");
    ASSERT_NE(port, 0) << printed_;
    auto chat = client(port, "forge-delivered");
    chat->say("/msg bob did you get this");
    auto error = chat->take("error", with("code", "bad_message_signature"));
    EXPECT_NE(error.value("message", "").find("refused a delivered statement"), std::string::npos)
        << error.dump();
    EXPECT_TRUE(chat->seen("delivered").empty()) << chat->transcript();
    EXPECT_EQ(finish(*chat), 0) << printed_;
    EXPECT_NE(printed_.find("one bit of its signature flipped"), std::string::npos) << printed_;
    EXPECT_NE(printed_.find("STOPPED bad_message_signature"), std::string::npos) << printed_;
}

// `argv` with its output also written to `file`, as an operator would (`… | tee FILE`).
std::vector<std::string> teed(std::vector<std::string> argv, const std::filesystem::path& file) {
    argv.insert(argv.begin(), {"/bin/sh", "-c", "\"$0\" \"$@\" | tee '" + file.string() + "'"});
    return argv;
}

// The friend's text holds a title change, a screen clear, colours, a C1 CSI and a bidi
// override; then a friend request comes from a "name" made of escapes. In JSON line mode the
// text reaches the program exactly, its escapes JSON-escaped, and no control byte is printed
// raw; the name is refused by the codec (malformed), which ends the session.
TEST_F(AttackHostileRelay, EscapesInTextsAndNamesNeverReachTheScreenRawInJsonMode) {
    const auto output = tmp_ / "client-output.jsonl";
    auto port = start("escapes", {"--client-output", output.string()});
    ASSERT_NE(port, 0) << printed_;
    JsonChat chat(teed(chat_argv(ca_.dir / "ca.crt", port, ca_.dir / "client.crt",
                                 ca_.dir / "client.key", tmp_ / "data-escapes"),
                       output),
                  "client");
    chat.say("/login client any-password-will-do");
    chat.take("logged_in");
    auto message = chat.take("message", with("from", "bob"));
    EXPECT_NE(message.value("text", "").find("\x1b]0;owned by the server\x07"), std::string::npos)
        << message.dump();
    chat.take("error", with("code", "malformed"));
    EXPECT_EQ(finish(chat), 0) << printed_;
    EXPECT_NE(printed_.find("whose text holds escape sequences"), std::string::npos) << printed_;
    EXPECT_NE(printed_.find("the client refused it and ended the session: malformed"),
              std::string::npos)
        << printed_;
    EXPECT_NE(printed_.find("STOPPED shown_inert"), std::string::npos) << printed_;
}

// The same in plain line mode, as a person reads it: every escape is shown as text.
TEST_F(AttackHostileRelay, EscapesInTextsAndNamesNeverReachTheScreenRawInPlainMode) {
    const auto output = tmp_ / "client-output.txt";
    auto port = start("escapes", {"--client-output", output.string()});
    ASSERT_NE(port, 0) << printed_;
    auto argv = chat_argv(ca_.dir / "ca.crt", port, ca_.dir / "client.crt", ca_.dir / "client.key",
                          tmp_ / "data-escapes");
    argv[2] = "--plain";
    LiveProcess chat(teed(argv, output));
    chat.write_line("/login client any-password-will-do");
    std::string shown;
    while (auto line = chat.read_line(kE2eWait)) {
        shown += *line + "\n";
        if (line->find("malformed") != std::string::npos) {
            break;  // the name refused, after the text was shown
        }
    }
    EXPECT_NE(shown.find("\\x1b]0;owned by the server\\x07\\x1b[2J"), std::string::npos) << shown;
    EXPECT_EQ(shown.find('\x1b'), std::string::npos) << shown;
    chat.write_line("/quit");
    chat.close_input();
    chat.wait_exit(kE2eWait);
    while (auto line = tool_->read_line(20s)) {
        printed_ += *line + "\n";
    }
    EXPECT_EQ(tool_->wait_exit(10s), 0) << printed_;
    EXPECT_NE(printed_.find("the client refused it and ended the session: malformed"),
              std::string::npos)
        << printed_;
    EXPECT_NE(printed_.find("STOPPED shown_inert"), std::string::npos) << printed_;
}

// Where the client's reaction is only a warning, or only on its screen, the tool needs its data
// directory or its output to see it, and says so instead of guessing a verdict.
TEST_F(AttackHostileRelay, AKindWithoutWhatItReadsOfTheClientIsRefusedNotGuessed) {
    for (const auto& [kind, needed] : {std::pair{"reorder", "needs --client-data"},
                                       std::pair{"escapes", "needs --client-output"}}) {
        auto r = securechat({"attack", "hostile-server", "--kind", kind, "--ca-dir",
                             ca_.dir.string(), "--peer-cert", (ca_.dir / "bob.crt").string(),
                             "--peer-key", (ca_.dir / "bob.key").string(), "--patience", "5"});
        EXPECT_NE(r.exit_code, 0) << r.output;
        EXPECT_NE(r.output.find(needed), std::string::npos) << r.output;
        EXPECT_EQ(r.output.find("STOPPED"), std::string::npos) << r.output;
    }
}

}  // namespace
}  // namespace sc::test

// Untrusted text at each of the client's output boundaries (security review M1, L14): line mode
// (human and --json), the error texts every interface shows, and the TUI's conversation, input
// line and decoder. Each feeds the whole control corpus through and finds nothing raw.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "client/errors_text.h"
#include "client/event_format.h"
#include "client/tui/conversation.h"
#include "client/tui/input_line.h"
#include "unit/client/control_corpus.h"
#include "unit/client/notes.h"

namespace sc::client {
namespace {

using test::message_note;
using test::sent_note;

using nlohmann::json;
using test::control_corpus;
using test::raw_control_in;

// A message from a user (end to end, §10), with `s` in each of its string fields.
note::Message user_message(const std::string& s) {
    auto m = message_note(s, 4, 0, s);
    m.device = s;
    m.fingerprint = s;
    m.conversation = s;
    m.mid = s;
    return m;
}

// Every notification, with `s` in each of its string fields.
std::vector<Notification> every_notification(const std::string& s) {
    return {
        note::Connected{s, s, s, s, s},
        note::Registered{s},
        note::LoggedIn{s},
        sent_note(1, 0, s),
        note::Acked{1},
        note::Rekeyed{1},
        message_note(s, 2, 0, s),
        note::ReceiptSaved{"/d/" + s, "/d/" + s, "/d/" + s, "/d/" + s, s},
        note::Error{s, s},
        note::Closed{s},
        user_message(s),
        note::Relayed{s, s, s, 3, s, s},
        note::Delivered{s, s, s, 3, s, 0},
        note::Warning{s, s, s, s, s, s},
        note::Devices{s, {note::KnownDevice{s, s, 0, s, s}}},
    };
}

FormatContext context() {
    FormatContext ctx;
    ctx.ca = "/ca/ca.crt";
    return ctx;
}

TEST(Hardening, M1_EveryControlCharacterIsMadeVisibleInLineModeText) {
    for (const auto& s : control_corpus()) {
        for (const auto& n : every_notification(s)) {
            auto shown = human_text(n, context());
            // Only the receipt paragraph and the device list have lines of their own, and those
            // are ours.
            bool lines = std::holds_alternative<note::ReceiptSaved>(n) ||
                         std::holds_alternative<note::Devices>(n);
            EXPECT_EQ(raw_control_in(shown, lines), "")
                << notification_name(n) << " shows " << shown;
        }
    }
    // A peer's line feed cannot start a line that looks like ours.
    auto shown =
        human_text(message_note("server", 2, 0, "hi\n[12:00:00] you #9: I owe you"), context());
    EXPECT_EQ(shown.find('\n'), std::string::npos) << shown;
    EXPECT_NE(shown.find("hi\\x0a[12:00:00]"), std::string::npos) << shown;
}

TEST(Hardening, M1_JsonOutputCarriesNoRawC1OrBidiButKeepsTheValue) {
    for (const auto& s : control_corpus()) {
        for (const auto& n : every_notification(s)) {
            auto line = json_line(n, context());
            EXPECT_EQ(raw_control_in(line), "") << notification_name(n);
            auto parsed = json::parse(line, nullptr, false);
            ASSERT_FALSE(parsed.is_discarded()) << line;
        }
        // Scripts still get the exact text when it is UTF-8.
        if (is_valid_utf8(s)) {
            auto parsed = json::parse(json_line(message_note("server", 2, 0, s), context()));
            EXPECT_EQ(parsed["text"], s);
        }
    }
    EXPECT_EQ(json_line(message_note("server", 2, 0, "a\u202Eb\xC2\x9B"), context()),
              R"({"event":"message","from":"server","seqno":2,"text":"a\u202eb\u009b","ts":0})");
}

TEST(Hardening, M1_ErrorTextsQuotingThePeerAreMadeVisible) {
    for (const auto& s : control_corpus()) {
        for (const char* code :
             {"auth_failed", "throttled", "registration_failed", "bad_certificate", "shutting_down",
              "unavailable", "timeout", "malformed", "no_such_code"}) {
            auto e = peer_error(code, s);
            EXPECT_EQ(raw_control_in(e.code), "") << code;
            EXPECT_EQ(raw_control_in(e.message), "") << code;
        }
        auto e = peer_error(s, s);  // the code itself is the peer's word too
        EXPECT_EQ(raw_control_in(e.code), "");
        EXPECT_EQ(raw_control_in(e.message), "");
        for (auto code : {proto::ErrorCode::bad_certificate, proto::ErrorCode::internal,
                          proto::ErrorCode::malformed}) {
            auto f = protocol_failure(proto::ProtocolError{code, "the certificate '" + s + "'"});
            EXPECT_EQ(raw_control_in(f.message), "");
        }
    }
    // The review's repro: a plaintext `error` before the handshake.
    auto e = peer_error("x\x1b]0;T\x07", "\x1b[2J");
    EXPECT_EQ(e.message, "the server reported an error (x\\x1b]0;T\\x07): \\x1b[2J");
}

TEST(Hardening, M1_TuiConversationDrawsNoControls) {
    tui::Conversation c;
    for (const auto& s : control_corpus()) {
        c.notice(0, "error: " + s);
        c.add_received(0, s, s);
        c.add_own(0, s);
    }
    auto rows = c.render(40, 10000);
    ASSERT_GT(rows.size(), control_corpus().size());
    for (const auto& row : rows) {
        EXPECT_EQ(raw_control_in(row), "") << row;
    }
}

TEST(Hardening, L14_TuiDecodesUtf8Strictly) {
    // C2 1B decoded leniently is U+009B (CSI); C0 9B is an overlong ESC-like byte.
    EXPECT_EQ(tui::from_utf8("\xC2\x1B"), U"?\x1B");
    EXPECT_EQ(tui::from_utf8("\xC0\x9B"), U"??");
    EXPECT_EQ(tui::from_utf8("\xE0\x80\x9B"), U"???");
    EXPECT_EQ(tui::from_utf8("\xED\xA0\x80"), U"???");
    EXPECT_EQ(tui::from_utf8("\xF4\x90\x80\x80"), U"????");
    EXPECT_EQ(tui::from_utf8("ü✓😀"), U"ü✓😀");
}

TEST(Hardening, L14_TuiInputLineTakesNoControls) {
    tui::InputLine line;
    for (char32_t ch :
         {U'\x1B', U'\x07', U'\x7F', U'\x9B', U'\x85', U'\u202E', U'\u2066', U'\u2028', U'\uFEFF',
          static_cast<char32_t>(0xD800), static_cast<char32_t>(0x110000)}) {
        line.apply(tui::Key::character, ch);
    }
    EXPECT_TRUE(line.text().empty());
    line.apply(tui::Key::character, U'ü');
    EXPECT_EQ(line.display(), "ü");
}

}  // namespace
}  // namespace sc::client

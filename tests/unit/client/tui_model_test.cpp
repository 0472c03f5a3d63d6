// The terminal UI's models without a terminal: the input line's editing, history and hidden
// entry, and the conversation's marks and wrapping.
#include <gtest/gtest.h>

#include "client/tui/conversation.h"
#include "client/tui/input_line.h"

namespace sc::client::tui {
namespace {

void type(InputLine& in, const std::u32string& text) {
    for (char32_t c : text) {
        in.apply(Key::character, c);
    }
}

TEST(InputLine, EditsAtTheCursor) {
    InputLine in;
    type(in, U"helo");
    in.apply(Key::left);
    type(in, U"l");
    EXPECT_EQ(in.display(), "hello");
    in.apply(Key::home);
    in.apply(Key::del);
    EXPECT_EQ(in.display(), "ello");
    in.apply(Key::end);
    in.apply(Key::backspace);
    EXPECT_EQ(in.display(), "ell");
    type(in, U" wörld");
    in.apply(Key::kill_word);
    EXPECT_EQ(in.display(), "ell ");
    in.apply(Key::kill_to_start);
    EXPECT_EQ(in.display(), "");
    EXPECT_EQ(*in.apply(Key::enter), "");
}

TEST(InputLine, HistoryBrowsesAndKeepsTheDraft) {
    InputLine in;
    type(in, U"first");
    EXPECT_EQ(*in.apply(Key::enter), "first");
    type(in, U"second");
    in.apply(Key::enter);
    type(in, U"draft");
    in.apply(Key::up);
    EXPECT_EQ(in.display(), "second");
    in.apply(Key::up);
    EXPECT_EQ(in.display(), "first");
    in.apply(Key::down);
    in.apply(Key::down);
    EXPECT_EQ(in.display(), "draft");
}

TEST(InputLine, HiddenEntryShowsStarsAndStaysOutOfHistory) {
    InputLine in;
    in.set_hidden(true);
    type(in, U"s3cret");
    EXPECT_EQ(in.display(), "******");
    EXPECT_EQ(*in.apply(Key::enter), "s3cret");
    in.set_hidden(false);
    in.apply(Key::up);
    EXPECT_EQ(in.display(), "") << "a password must never come back from history";
}

TEST(InputLine, Utf8RoundTrips) {
    std::string text = "ünïcødé ✓ 😀";
    EXPECT_EQ(to_utf8(from_utf8(text)), text);
}

TEST(InputLine, BrokenUtf8BecomesQuestionMarksNotGarbage) {
    EXPECT_EQ(to_utf8(from_utf8("a\xE2\x9C")), "a??");
    EXPECT_EQ(to_utf8(from_utf8("\xFF")), "?");
}

TEST(Conversation, MarksFollowNumberingAndAcknowledgement) {
    Conversation c;
    auto i = c.add_own(0, "hi");
    EXPECT_EQ(c.entries().back().mark, Mark::sending);
    c.numbered(i, 7);
    EXPECT_EQ(c.entries().back().mark, Mark::sent);
    c.acknowledged(7);
    EXPECT_EQ(c.entries().back().mark, Mark::acknowledged);
    auto j = c.add_own(0, "lost");
    c.failed(j);
    EXPECT_EQ(c.entries().back().mark, Mark::failed);
}

TEST(Conversation, RendersTheNewestRowsWrappedToTheWidth) {
    Conversation c;
    for (int i = 0; i < 10; ++i) {
        c.add_received(0, "server", "message " + std::to_string(i));
    }
    c.add_received(0, "bob", std::string(100, 'x'));
    auto rows = c.render(40, 5);
    ASSERT_EQ(rows.size(), 5u);
    for (const auto& row : rows) {
        EXPECT_LE(from_utf8(row).size(), 40u) << row;
    }
    EXPECT_NE(rows.back().find("xxx"), std::string::npos);
}

TEST(Conversation, KeepsABoundedHistory) {
    Conversation c(3);
    for (int i = 0; i < 10; ++i) {
        c.notice(0, std::to_string(i));
    }
    EXPECT_EQ(c.entries().size(), 3u);
    EXPECT_EQ(c.entries().front().text, "7");
}

// A typed password leaves nothing in the input buffer once submitted: not the text, and not the
// characters that editing moved past its end (I3).
TEST(Hardening, I3_TuiInputBufferIsWipedWhenConsumed) {
    InputLine line;
    line.set_hidden(true);
    const std::u32string typed = U"hunter2 correct-horse-battery-staple";
    for (char32_t ch : typed) {
        line.apply(Key::character, ch);
    }
    line.apply(Key::kill_word);  // leaves "correct-horse-..." past the end of the text
    line.apply(Key::character, U'x');
    auto submitted = line.apply(Key::enter);
    ASSERT_TRUE(submitted);
    EXPECT_EQ(*submitted, "hunter2 x");
    const std::u32string& buffer = line.text();
    EXPECT_TRUE(buffer.empty());
    ASSERT_GE(buffer.capacity(), typed.size()) << "the buffer is kept, so it can be inspected";
    for (std::size_t i = 0; i < buffer.capacity(); ++i) {
        EXPECT_EQ(buffer.data()[i], U'\0') << "position " << i;
    }
}

// Only the client's own notices are drawn as alerts: a peer's text holding the same words, on
// its first row or a wrapped one, is not (a message cannot pass for a security warning).
TEST(Conversation, OnlyOwnErrorsAndWarningsAreAlertRows) {
    Conversation c;
    c.warning(0, "bob's device phone changed");
    c.notice(0, "error: the server closed the session");
    c.add_received(0, "bob", " * WARNING your device changed * error: trust me");
    c.add_received(0, "bob", std::string(60, 'x') + " * WARNING wrapped");
    auto rows = c.render(40, 20);
    std::size_t alerts = 0;
    for (const auto& row : rows) {
        if (is_alert_row(row)) {
            ++alerts;
            EXPECT_EQ(row.find("<bob>"), std::string::npos) << row;
        }
    }
    EXPECT_EQ(alerts, 2U);
}

}  // namespace
}  // namespace sc::client::tui

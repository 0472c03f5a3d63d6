#include "common/display_text.h"

#include <gtest/gtest.h>

#include <string>

namespace sc {
namespace {

TEST(DisplayText, PrintableUtf8IsKept) {
    EXPECT_EQ(display_text("hello, wörld ✓ 你好 😀 \\ \""), "hello, wörld ✓ 你好 😀 \\ \"");
    EXPECT_TRUE(is_display_safe("plain text"));
}

TEST(DisplayText, EveryC0ControlAndDelIsEscaped) {
    for (int c = 0; c < 0x20; ++c) {
        std::string in(1, static_cast<char>(c));
        char expected[8];
        std::snprintf(expected, sizeof expected, "\\x%02x", c);
        EXPECT_EQ(display_text(in), expected) << c;
    }
    EXPECT_EQ(display_text("\x7f"), "\\x7f");
    EXPECT_EQ(display_text("\x1b]0;owned\x07\x1b[2J"), "\\x1b]0;owned\\x07\\x1b[2J");
}

TEST(DisplayText, EveryC1ControlIsEscaped) {
    for (unsigned cp = 0x80; cp <= 0x9F; ++cp) {
        std::string in{static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
        char expected[12];
        std::snprintf(expected, sizeof expected, "\\u{%04X}", cp);
        EXPECT_EQ(display_text(in), expected) << cp;
    }
}

TEST(DisplayText, BidiOverridesAndSeparatorsAreEscaped) {
    EXPECT_EQ(display_text("a\u202Eb"), "a\\u{202E}b");
    EXPECT_EQ(display_text("\u2066\u2069\u200F\u061C\u2028\uFEFF"),
              "\\u{2066}\\u{2069}\\u{200F}\\u{061C}\\u{2028}\\u{FEFF}");
}

TEST(DisplayText, InvalidUtf8IsEscapedBytewise) {
    EXPECT_EQ(display_text("\xC2\x1B"), "\\xc2\\x1b");                    // bad continuation (L14)
    EXPECT_EQ(display_text("\xC0\x9B"), "\\xc0\\x9b");                    // overlong CSI
    EXPECT_EQ(display_text("\xE0\x80\x9B"), "\\xe0\\x80\\x9b");           // overlong, 3 bytes
    EXPECT_EQ(display_text("\xED\xA0\x80"), "\\xed\\xa0\\x80");           // surrogate
    EXPECT_EQ(display_text("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
    EXPECT_EQ(display_text("ab\xE2\x9C"), "ab\\xe2\\x9c");                // truncated at the end
    EXPECT_EQ(display_text("\xff"), "\\xff");
}

TEST(DisplayText, MultilineKeepsOnlyLineFeeds) {
    EXPECT_EQ(display_text_multiline("a\nb\r\x1b"), "a\nb\\x0d\\x1b");
    EXPECT_EQ(display_text("a\nb"), "a\\x0ab");
}

TEST(DisplayText, OutputIsAlwaysSafe) {
    std::string all;
    for (int b = 0; b < 256; ++b) {
        all.push_back(static_cast<char>(b));
    }
    auto shown = display_text(all);
    EXPECT_TRUE(is_display_safe(shown));
    for (char c : shown) {
        auto u = static_cast<unsigned char>(c);
        EXPECT_TRUE(u >= 0x20 && u != 0x7f) << static_cast<int>(u);
    }
}

}  // namespace
}  // namespace sc

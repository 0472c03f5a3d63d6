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

TEST(DisplayText, StrictDecoderRefusesWhatDisplayTextEscapes) {
    char32_t cp = 0;
    EXPECT_EQ(decode_utf8("\xE2\x9C\x93", 0, cp), 3U);
    EXPECT_EQ(cp, U'\u2713');
    for (const char* bad : {"\xC2\x1B", "\xC0\x9B", "\xE0\x80\x9B", "\xED\xA0\x80",
                            "\xF4\x90\x80\x80", "\xFF", "\x80", "\xE2\x9C"}) {
        EXPECT_EQ(decode_utf8(bad, 0, cp), 0U) << bad;
        EXPECT_FALSE(is_valid_utf8(std::string("ok") + bad));
    }
    EXPECT_EQ(decode_utf8("", 0, cp), 0U);
    EXPECT_TRUE(is_valid_utf8("hello, wörld ✓ 😀"));
    EXPECT_TRUE(is_control_code_point(0x1B));
    EXPECT_TRUE(is_control_code_point(0x9B));
    EXPECT_TRUE(is_control_code_point(0x202E));
    EXPECT_FALSE(is_control_code_point(U'a'));
    EXPECT_FALSE(is_control_code_point(0x200D));  // zero-width joiner: part of emoji sequences
}

TEST(DisplayText, JsonKeepsValuesButNotRawControls) {
    EXPECT_EQ(json_without_raw_controls("{\"t\":\"a\xC2\x9B\u202Eb\x7f\xFF ✓\"}"),
              "{\"t\":\"a\\u009b\\u202eb\\u007f\\ufffd ✓\"}");
    EXPECT_EQ(json_without_raw_controls("{\"plain\":1}"), "{\"plain\":1}");
}

}  // namespace
}  // namespace sc

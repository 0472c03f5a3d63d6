// Every kind of text a terminal or a log reader could be fooled by, and a check that output holds
// none of it raw (security review M1, L2, L14). Shared by the unit tests of each output boundary
// and the end-to-end tests of the binary.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/display_text.h"

namespace sc::test {

// One string per hazard: each C0 control, DEL, each C1 control (UTF-8), each bidi control and
// separator display_text knows, and invalid UTF-8 (bad continuation, overlong C1 CSI, surrogate,
// above U+10FFFF, a stray byte, a truncated sequence).
inline std::vector<std::string> control_corpus() {
    std::vector<std::string> out;
    for (int c = 0; c < 0x20; ++c) {
        out.push_back(std::string("<") + static_cast<char>(c) + ">");
    }
    out.push_back("<\x7f>");
    for (unsigned cp = 0x80; cp <= 0x9F; ++cp) {
        out.push_back(std::string("<") + static_cast<char>(0xC0 | (cp >> 6)) +
                      static_cast<char>(0x80 | (cp & 0x3F)) + ">");
    }
    for (const char* bidi :
         {"\u061C", "\u200E", "\u200F", "\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066",
          "\u2067", "\u2068", "\u2069", "\u2028", "\u2029", "\uFEFF"}) {
        out.push_back(std::string("<") + bidi + ">");
    }
    for (const char* bad :
         {"\xC2\x1B", "\xC0\x9B", "\xE0\x80\x9B", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF"}) {
        out.push_back(std::string("<") + bad + ">");
    }
    out.push_back("<\xE2\x9C");  // truncated at the end
    out.push_back("\x1b]0;PWNED\x07\x1b[2J");
    return out;
}

// All of the corpus in one string (one field holding everything).
inline std::string control_soup() {
    std::string all;
    for (const auto& s : control_corpus()) {
        all += s;
    }
    return all;
}

// Empty when `shown` holds no control, bidi override or invalid UTF-8 raw; else what it found.
// Line feeds are allowed only when `lines` is true (multi-line output printed as lines).
inline std::string raw_control_in(std::string_view shown, bool lines = false) {
    std::size_t i = 0;
    while (i < shown.size()) {
        char32_t cp = 0;
        std::size_t len = decode_utf8(shown, i, cp);
        if (len == 0) {
            return "invalid UTF-8 at byte " + std::to_string(i);
        }
        if (is_control_code_point(cp) && !(lines && cp == '\n')) {
            return "control U+" + std::to_string(static_cast<unsigned>(cp)) + " at byte " +
                   std::to_string(i);
        }
        i += len;
    }
    return {};
}

}  // namespace sc::test

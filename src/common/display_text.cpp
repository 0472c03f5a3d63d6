#include "common/display_text.h"

#include <cstdint>
#include <cstdio>

namespace sc {
namespace {

bool is_invisible_control(char32_t cp) {
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0xFEFF;
}

void append_byte_escape(std::string& out, std::uint8_t b) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\x%02x", b);
    out += buf;
}

void append_codepoint_escape(std::string& out, char32_t cp) {
    char buf[12];
    std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(cp));
    out += buf;
}

std::string render(std::string_view s, bool keep_line_feeds) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        char32_t cp = 0;
        std::size_t len = decode_utf8(s, i, cp);
        if (len == 0) {
            append_byte_escape(out, static_cast<std::uint8_t>(s[i]));
            i += 1;
            continue;
        }
        if ((cp < 0x20 && !(keep_line_feeds && cp == '\n')) || cp == 0x7F) {
            append_byte_escape(out, static_cast<std::uint8_t>(cp));
        } else if (is_invisible_control(cp)) {
            append_codepoint_escape(out, cp);
        } else {
            out.append(s.substr(i, len));
        }
        i += len;
    }
    return out;
}

}  // namespace

std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& out) {
    auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
    if (i >= s.size()) {
        return 0;
    }
    std::uint8_t b0 = byte(i);
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
        out = b0;
        return 1;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return 0;  // a continuation byte, C0/C1 (always overlong), or F5-FF
    }
    if (len > s.size() - i) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        std::uint8_t b = byte(i + k);
        if ((b & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    out = cp;
    return len;
}

bool is_valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        char32_t cp = 0;
        std::size_t len = decode_utf8(text, i, cp);
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}

bool is_control_code_point(char32_t cp) {
    return cp < 0x20 || cp == 0x7F || is_invisible_control(cp);
}

std::string display_text(std::string_view untrusted) {
    return render(untrusted, false);
}

std::string display_text_multiline(std::string_view untrusted) {
    return render(untrusted, true);
}

bool is_display_safe(std::string_view text) {
    return display_text(text) == text;
}

std::string json_without_raw_controls(std::string_view json) {
    std::string out;
    out.reserve(json.size());
    std::size_t i = 0;
    while (i < json.size()) {
        char32_t cp = 0;
        std::size_t len = decode_utf8(json, i, cp);
        if (len == 0) {
            out += "\\ufffd";  // only inside a string can a non-ASCII byte occur
            i += 1;
            continue;
        }
        // Raw C0 controls occur in serialized JSON only as whitespace between tokens (RFC 8259
        // requires them escaped in strings), so they stay; DEL and the multi-byte controls can
        // only be inside strings, and all of them are below U+10000.
        if (cp == 0x7F || is_invisible_control(cp)) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
            out += buf;
        } else {
            out.append(json.substr(i, len));
        }
        i += len;
    }
    return out;
}

}  // namespace sc

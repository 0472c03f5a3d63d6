// The one way untrusted text (from the network, a certificate, a file) reaches a terminal or a
// log: every control character, bidi override and invalid UTF-8 byte is made visible instead
// of being interpreted (security review M1, L2, L14). Use it at every output boundary.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sc {

// Returns `untrusted` with, made visible:
//   C0 controls and DEL (U+0000-U+001F, U+007F)  -> \xNN   (so ESC is "\x1b", LF "\x0a")
//   bytes that are not well-formed UTF-8         -> \xNN   (overlong forms, surrogates,
//                                                           stray continuations, > U+10FFFF)
//   C1 controls (U+0080-U+009F), bidi controls (U+061C, U+200E-U+200F, U+202A-U+202E,
//   U+2066-U+2069), line/paragraph separators (U+2028, U+2029) and U+FEFF -> \u{NNNN}
// Everything else, including backslash, is kept as is: callers that need an unambiguous
// encoding (logs) escape '\' themselves before calling this.
std::string display_text(std::string_view untrusted);

// Like display_text, but keeps line feeds (for multi-line text shown line by line, which the
// caller then prints one line at a time).
std::string display_text_multiline(std::string_view untrusted);

// True when display_text(text) == text (nothing needed escaping).
bool is_display_safe(std::string_view text);

// `json` (a serialized JSON text, e.g. nlohmann's dump()) with DEL and every code point
// display_text would escape as \u{...} written as a JSON escape \uXXXX instead, and any byte
// that is not well-formed UTF-8 as \ufffd. JSON escapes C0 controls itself but lets DEL, C1
// controls and bidi overrides through raw; this keeps the value exact for programs while the
// bytes on the terminal stay inert.
std::string json_without_raw_controls(std::string_view json);

// The one strict UTF-8 decoder (RFC 3629): decodes the sequence at `s[i]` into `out` and
// returns its length, or 0 when the bytes there are not well-formed (overlong forms,
// surrogates, stray or missing continuation bytes, values above U+10FFFF).
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& out);
bool is_valid_utf8(std::string_view text);

// True for the code points display_text makes visible although they are valid UTF-8: C0, DEL,
// C1, bidi controls, line/paragraph separators and U+FEFF.
bool is_control_code_point(char32_t cp);

}  // namespace sc

// The one way untrusted text (from the network, a certificate, a file) reaches a terminal or a
// log: every control character, bidi override and invalid UTF-8 byte is made visible instead
// of being interpreted (security review M1, L2, L14). Use it at every output boundary.
#pragma once

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

}  // namespace sc

// How line mode shows notifications: one JSON object per line for programs (`--json`), or short
// sentences for people. Also the `securechat verify` command that checks a saved session.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "client/chat_events.h"

namespace sc::client {

struct FormatContext {
    std::filesystem::path ca;            // the CA certificate, for the verify command
    std::string program = "securechat";  // how to run securechat (see program_for_commands)
};

// {"event":"ack","seqno":3}: one line, no newline; text that is not UTF-8 is replaced, so
// output never fails, and DEL, C1 and bidi controls are written as \uXXXX escapes, so the line
// holds no control raw while a JSON reader still gets the exact text.
std::string json_line(const Notification& n, const FormatContext& ctx);
// One or more lines, no trailing newline; every untrusted field rendered by display_text, so a
// peer's text can neither control the terminal nor start a line of its own.
std::string human_text(const Notification& n, const FormatContext& ctx);

// securechat verify TRANSCRIPT PEER_RECEIPT --cert PEER_CERT --ca CA: the server-signed receipt
// checked against our own transcript, ready to paste into a shell.
std::string verify_command(const note::ReceiptSaved& saved, const FormatContext& ctx);
std::string shell_quote(std::string_view word);

// "securechat" when that name on PATH is this very binary, else this binary's absolute path,
// so printed commands work when pasted.
std::string program_for_commands();

}  // namespace sc::client

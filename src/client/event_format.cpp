#include "client/event_format.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <ctime>

#include "common/display_text.h"

namespace sc::client {
namespace {

using nlohmann::json;

std::string local_time(std::uint64_t ts_ms) {
    auto seconds = static_cast<std::time_t>(ts_ms / 1000);
    std::tm tm{};
    localtime_r(&seconds, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
    return buf;
}

json to_json(const Notification& n, const FormatContext& ctx) {
    json j;
    j["event"] = notification_name(n);
    std::visit(
        [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, note::Connected>) {
                j["server"] = e.server;
                j["server_name"] = e.server_name;
                j["subject"] = e.subject;
                j["fingerprint"] = e.fingerprint;
                j["session_id"] = e.session_id;
            } else if constexpr (std::is_same_v<T, note::Registered> ||
                                 std::is_same_v<T, note::LoggedIn>) {
                j["username"] = e.username;
            } else if constexpr (std::is_same_v<T, note::Sent>) {
                j["seqno"] = e.seqno;
                j["ts"] = e.ts;
            } else if constexpr (std::is_same_v<T, note::Acked>) {
                j["seqno"] = e.seqno;
            } else if constexpr (std::is_same_v<T, note::Rekeyed>) {
                j["epoch"] = e.epoch;
            } else if constexpr (std::is_same_v<T, note::Message>) {
                j["from"] = e.from;
                j["seqno"] = e.seqno;
                j["ts"] = e.ts;
                j["text"] = e.text;
            } else if constexpr (std::is_same_v<T, note::ReceiptSaved>) {
                j["transcript"] = e.transcript.string();
                j["own_receipt"] = e.own_receipt.string();
                j["peer_receipt"] = e.peer_receipt.string();
                j["peer_cert"] = e.peer_cert.string();
                j["transcript_sha256"] = e.transcript_sha256;
                j["verify"] = verify_command(e, ctx);
            } else if constexpr (std::is_same_v<T, note::Error>) {
                j["code"] = e.code;
                j["message"] = e.message;
            } else if constexpr (std::is_same_v<T, note::Closed>) {
                j["reason"] = e.reason;
            }
        },
        n);
    return j;
}

}  // namespace

std::string json_line(const Notification& n, const FormatContext& ctx) {
    // nlohmann escapes C0 controls only; C1 controls and bidi overrides would reach the terminal
    // a script's output is shown on (M1).
    return json_without_raw_controls(
        to_json(n, ctx).dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string human_text(const Notification& n, const FormatContext& ctx) {
    // Every string here may come from the peer (its certificate, its answers, its messages) or
    // from a file name: each is rendered by display_text, so none can move the cursor, retitle
    // the window or fake a line (M1). Multi-line output is built from safe parts only.
    auto shown = [](std::string_view untrusted) { return display_text(untrusted); };
    auto path = [](const std::filesystem::path& p) { return display_text(p.string()); };
    return std::visit(
        [&](const auto& e) -> std::string {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, note::Connected>) {
                return "connected to " + shown(e.server) + ": its certificate is valid for '" +
                       shown(e.server_name) + "' (SHA-256 " + shown(e.fingerprint) + ")";
            } else if constexpr (std::is_same_v<T, note::Registered>) {
                return "registered and logged in as " + shown(e.username) + "; type a message";
            } else if constexpr (std::is_same_v<T, note::LoggedIn>) {
                return "logged in as " + shown(e.username) + "; type a message";
            } else if constexpr (std::is_same_v<T, note::Sent>) {
                return "[" + local_time(e.ts) + "] you #" + std::to_string(e.seqno) + ": " +
                       shown(e.text);
            } else if constexpr (std::is_same_v<T, note::Acked>) {
                return "  #" + std::to_string(e.seqno) + " delivered";
            } else if constexpr (std::is_same_v<T, note::Rekeyed>) {
                return "session key renewed by a fresh key exchange (epoch " +
                       std::to_string(e.epoch) + ")";
            } else if constexpr (std::is_same_v<T, note::Message>) {
                return "[" + local_time(e.ts) + "] " + shown(e.from) + " #" +
                       std::to_string(e.seqno) + ": " + shown(e.text);
            } else if constexpr (std::is_same_v<T, note::ReceiptSaved>) {
                return "session ended properly: receipts exchanged, transcript hash " +
                       shown(e.transcript_sha256) + "\n  transcript:      " + path(e.transcript) +
                       "\n  our receipt:     " + path(e.own_receipt) +
                       "\n  server receipt:  " + path(e.peer_receipt) +
                       "\n  server cert:     " + path(e.peer_cert) +
                       "\ncheck the server's receipt against our transcript with:\n  " +
                       shown(verify_command(e, ctx));
            } else if constexpr (std::is_same_v<T, note::Error>) {
                return "error: " + shown(e.message);
            } else {
                return "disconnected";
            }
        },
        n);
}

std::string shell_quote(std::string_view word) {
    bool plain = !word.empty();
    for (char c : word) {
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("/._-+:=@,").find(c) != std::string_view::npos;
        plain = plain && safe;
    }
    if (plain) {
        return std::string(word);
    }
    std::string out = "'";
    for (char c : word) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

std::string verify_command(const note::ReceiptSaved& saved, const FormatContext& ctx) {
    return shell_quote(ctx.program) + " verify " + shell_quote(saved.transcript.string()) + " " +
           shell_quote(saved.peer_receipt.string()) + " --cert " +
           shell_quote(saved.peer_cert.string()) + " --ca " + shell_quote(ctx.ca.string());
}

std::string program_for_commands() {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        return "securechat";
    }
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "";
    while (!dirs.empty()) {
        auto colon = dirs.find(':');
        auto dir = dirs.substr(0, colon);
        dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
        if (dir.empty()) {
            continue;
        }
        auto candidate = fs::path(dir) / "securechat";
        if (fs::exists(candidate, ec)) {
            // The first securechat on PATH is what a pasted command runs.
            return fs::equivalent(candidate, self, ec) ? "securechat" : self.string();
        }
    }
    return self.string();
}

}  // namespace sc::client

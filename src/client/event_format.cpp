#include "client/event_format.h"

#include <nlohmann/json.hpp>

#include <cstdio>
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

// "2026-12-02T06:00:00.123Z": the `since` of /who, in UTC so scripts need no time zone.
std::string utc_time(std::uint64_t ts_ms) {
    auto seconds = static_cast<std::time_t>(ts_ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char ms[8];
    std::snprintf(ms, sizeof ms, ".%03uZ", static_cast<unsigned>(ts_ms % 1000));
    return std::string(buf) + ms;
}

json friends_json(const note::Friends& e) {
    json friends = json::array();
    for (const auto& f : e.friends) {
        friends.push_back({{"user", f.user}, {"online", f.online}});
    }
    return json{{"friends", friends}, {"incoming", e.incoming}, {"outgoing", e.outgoing}};
}

json who_json(const note::Who& e) {
    json users = json::array();
    for (const auto& u : e.users) {
        json devices = json::array();
        for (const auto& d : u.devices) {
            devices.push_back({{"id", d.id}, {"name", d.name}, {"since", utc_time(d.since)}});
        }
        users.push_back({{"user", u.user},
                         {"devices", devices},
                         {"since", utc_time(u.since)},
                         {"since_ms", u.since}});
    }
    return json{{"users", users}, {"truncated", e.truncated}};
}

json history_json(const note::History& e) {
    json messages = json::array();
    for (const auto& m : e.messages) {
        json copies = json::array();
        for (const auto& c : m.copies) {
            copies.push_back({{"to", c.to},
                              {"device", c.device},
                              {"fingerprint", c.fingerprint},
                              {"state", c.state},
                              {"expires", c.expires},
                              {"delivered_ts", c.delivered_ts}});
        }
        messages.push_back({{"direction", m.outgoing ? "sent" : "received"},
                            {"from", m.from},
                            {"device", m.device},
                            {"fingerprint", m.fingerprint},
                            {"seqno", m.seqno},
                            {"mid", m.mid},
                            {"ts", m.ts},
                            {"text", m.text},
                            {"mark", m.mark},
                            {"copies", copies}});
    }
    return json{{"with", e.with}, {"messages", messages}};
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
                if (!e.to.empty()) {  // end to end (/msg)
                    j["to"] = e.to;
                    j["text"] = e.text;
                    j["mid"] = e.mid;
                    j["devices"] = e.devices;
                }
            } else if constexpr (std::is_same_v<T, note::Acked>) {
                j["seqno"] = e.seqno;
            } else if constexpr (std::is_same_v<T, note::Rekeyed>) {
                j["epoch"] = e.epoch;
            } else if constexpr (std::is_same_v<T, note::Message>) {
                j["from"] = e.from;
                if (!e.fingerprint.empty()) {  // end to end, from a user's device
                    j["device"] = e.device;
                    j["conversation"] = e.conversation;
                }
                j["seqno"] = e.seqno;
                j["ts"] = e.ts;
                j["text"] = e.text;
                if (!e.fingerprint.empty()) {
                    j["fingerprint"] = e.fingerprint;
                    j["mid"] = e.mid;
                }
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
            } else if constexpr (std::is_same_v<T, note::Done>) {
                j["request"] = e.request;
                if (!e.op.empty()) {
                    j["op"] = e.op;
                }
                if (!e.user.empty()) {
                    j["user"] = e.user;
                }
                j["message"] = e.message;
            } else if constexpr (std::is_same_v<T, note::FriendRequest>) {
                j["from"] = e.from;
            } else if constexpr (std::is_same_v<T, note::FriendAdded> ||
                                 std::is_same_v<T, note::FriendRemoved>) {
                j["user"] = e.user;
            } else if constexpr (std::is_same_v<T, note::Friends>) {
                j.update(friends_json(e));
            } else if constexpr (std::is_same_v<T, note::Presence>) {
                j["user"] = e.user;
                j["online"] = e.online;
            } else if constexpr (std::is_same_v<T, note::Who>) {
                j.update(who_json(e));
            } else if constexpr (std::is_same_v<T, note::Kicked>) {
                j["code"] = e.code;
                j["message"] = e.message;
            } else if constexpr (std::is_same_v<T, note::Relayed>) {
                j["to"] = e.to;
                j["device"] = e.device;
                j["fingerprint"] = e.fingerprint;
                j["seqno"] = e.seqno;
                j["mid"] = e.mid;
                j["status"] = e.status;
            } else if constexpr (std::is_same_v<T, note::Delivered>) {
                j["to"] = e.to;
                j["device"] = e.device;
                j["fingerprint"] = e.fingerprint;
                j["seqno"] = e.seqno;
                j["mid"] = e.mid;
                j["ts"] = e.ts;
            } else if constexpr (std::is_same_v<T, note::Stored>) {
                j["to"] = e.to;
                j["device"] = e.device;
                j["fingerprint"] = e.fingerprint;
                j["seqno"] = e.seqno;
                j["mid"] = e.mid;
                j["expires"] = e.expires;
            } else if constexpr (std::is_same_v<T, note::Expired>) {
                j["to"] = e.to;
                j["device"] = e.device;
                j["fingerprint"] = e.fingerprint;
                j["seqno"] = e.seqno;
                j["mid"] = e.mid;
            } else if constexpr (std::is_same_v<T, note::History>) {
                j.update(history_json(e));
            } else if constexpr (std::is_same_v<T, note::Warning>) {
                j["code"] = e.code;
                j["user"] = e.user;
                j["device"] = e.device;
                j["old_fingerprint"] = e.old_fingerprint;
                j["fingerprint"] = e.fingerprint;
                j["message"] = e.message;
            } else if constexpr (std::is_same_v<T, note::Devices>) {
                j["user"] = e.user;
                auto list = nlohmann::json::array();
                for (const auto& d : e.devices) {
                    list.push_back({{"name", d.name},
                                    {"fingerprint", d.fingerprint},
                                    {"first_seen", d.first_seen},
                                    {"state", d.state},
                                    {"pending_fingerprint", d.pending_fingerprint}});
                }
                j["devices"] = std::move(list);
            }
        },
        n);
    return j;
}

std::string names_text(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) {
        out += (out.empty() ? "" : ", ") + display_text(name);
    }
    return out;
}

std::string friends_text(const note::Friends& e) {
    std::string out;
    for (const auto& f : e.friends) {
        out += (out.empty() ? "friends: " : ", ") + display_text(f.user) +
               (f.online ? " (online)" : " (offline)");
    }
    if (out.empty()) {
        out = "no friends yet (/friend request USER asks someone)";
    }
    for (const auto& from : e.incoming) {
        auto name = display_text(from);
        out += "\n" + name + " wants to be your friend: /friend accept " + name +
               " or /friend decline " + name;
    }
    if (!e.outgoing.empty()) {
        out += "\nwaiting for an answer from: " + names_text(e.outgoing);
    }
    return out;
}

std::string who_text(const note::Who& e) {
    if (e.users.empty()) {
        return "nobody is connected";
    }
    std::string out = "connected:";
    for (const auto& u : e.users) {
        out += "\n  " + display_text(u.user) + " since " + utc_time(u.since) + " on";
        bool first = true;
        for (const auto& d : u.devices) {
            out += std::string(first ? " " : ", ") + display_text(d.name) + " (" +
                   display_text(d.id.substr(0, 16)) + "…)";
            first = false;
        }
    }
    if (e.truncated) {
        out += "\n  (the server listed only the first " + std::to_string(e.users.size()) +
               " users' sessions it may show)";
    }
    return out;
}

std::string done_text(const note::Done& e) {
    auto user = display_text(e.user);
    std::string text;
    if (e.request == "friend") {
        text = e.op == "request"   ? "friend request sent to " + user
               : e.op == "accept"  ? "accepted " + user + "'s friend request"
               : e.op == "decline" ? "declined " + user + "'s friend request"
                                   : "removed " + user + " from your friends";
    } else if (e.request == "trust") {
        return display_text(e.message);
    } else if (e.request == "user_add") {
        text = "added the user " + user + " (they need a certificate for that name)";
    } else if (e.request == "user_admin") {
        text = e.op == "disable"  ? "disabled " + user + "; their sessions are closed"
               : e.op == "enable" ? "enabled " + user
                                  : "ended the sessions of " + user;
    } else {
        text = display_text(e.request) + " done";
    }
    return e.message.empty() ? text : text + " (" + display_text(e.message) + ")";
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
                if (!e.to.empty()) {
                    return "[" + local_time(e.ts) + "] you to " + shown(e.to) + " #" +
                           std::to_string(e.seqno) + ": " + shown(e.text) + " (end to end, " +
                           std::to_string(e.devices) + " device cop" +
                           (e.devices == 1 ? "y" : "ies") + ")";
                }
                return "[" + local_time(e.ts) + "] you #" + std::to_string(e.seqno) + ": " +
                       shown(e.text);
            } else if constexpr (std::is_same_v<T, note::Acked>) {
                return "  #" + std::to_string(e.seqno) + " delivered";
            } else if constexpr (std::is_same_v<T, note::Rekeyed>) {
                return "session key renewed by a fresh key exchange (epoch " +
                       std::to_string(e.epoch) + ")";
            } else if constexpr (std::is_same_v<T, note::Message>) {
                if (!e.fingerprint.empty()) {
                    bool own_copy = e.conversation != e.from;
                    return "[" + local_time(e.ts) + "] " + shown(e.from) + " (" + shown(e.device) +
                           ")" + (own_copy ? " to " + shown(e.conversation) : std::string()) +
                           " #" + std::to_string(e.seqno) + ": " + shown(e.text);
                }
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
            } else if constexpr (std::is_same_v<T, note::Done>) {
                return done_text(e);
            } else if constexpr (std::is_same_v<T, note::FriendRequest>) {
                auto from = shown(e.from);
                return from + " wants to be your friend: /friend accept " + from +
                       " or /friend decline " + from;
            } else if constexpr (std::is_same_v<T, note::FriendAdded>) {
                return shown(e.user) + " is now your friend";
            } else if constexpr (std::is_same_v<T, note::FriendRemoved>) {
                return shown(e.user) + " is no longer your friend";
            } else if constexpr (std::is_same_v<T, note::Friends>) {
                return friends_text(e);
            } else if constexpr (std::is_same_v<T, note::Presence>) {
                return shown(e.user) + (e.online ? " is online" : " went offline");
            } else if constexpr (std::is_same_v<T, note::Who>) {
                return who_text(e);
            } else if constexpr (std::is_same_v<T, note::Kicked>) {
                return "the server ended this session (" + shown(e.code) + "): " + shown(e.message);
            } else if constexpr (std::is_same_v<T, note::Relayed>) {
                return "#" + std::to_string(e.seqno) + " to " + shown(e.to) + " on " +
                       shown(e.device) + ": " + shown(e.status);
            } else if constexpr (std::is_same_v<T, note::Delivered>) {
                return "#" + std::to_string(e.seqno) + " delivered to " + shown(e.to) + " on " +
                       shown(e.device);
            } else if constexpr (std::is_same_v<T, note::Stored>) {
                return "#" + std::to_string(e.seqno) + " stored for " + shown(e.to) + " on " +
                       shown(e.device) + " until " + utc_time(e.expires);
            } else if constexpr (std::is_same_v<T, note::Expired>) {
                return "#" + std::to_string(e.seqno) + " to " + shown(e.to) + " on " +
                       shown(e.device) + " EXPIRED undelivered: the server no longer keeps it";
            } else if constexpr (std::is_same_v<T, note::History>) {
                std::string out = "history with " + shown(e.with) + ":";
                if (e.messages.empty()) {
                    out += " none";
                }
                for (const auto& m : e.messages) {
                    out += "\n  [" + local_time(m.ts) + "] #" + std::to_string(m.seqno) + " " +
                           shown(m.from) + ": " + shown(m.text);
                    if (m.outgoing) {
                        out += "  (" + shown(m.mark) + ")";
                    }
                }
                return out;
            } else if constexpr (std::is_same_v<T, note::Warning>) {
                return "WARNING (" + shown(e.code) + "): " + shown(e.message);
            } else if constexpr (std::is_same_v<T, note::Devices>) {
                std::string out = "devices of " + shown(e.user) + ":";
                if (e.devices.empty()) {
                    out += " none (none has published prekeys)";
                }
                for (const auto& d : e.devices) {
                    out += "\n  " + shown(d.name) + "  SHA-256 " + shown(d.fingerprint) + "  " +
                           shown(d.state);
                    if (d.first_seen != 0) {
                        out += ", first seen " + utc_time(d.first_seen);
                    }
                    if (!d.pending_fingerprint.empty()) {
                        out += "\n    changed to SHA-256 " + shown(d.pending_fingerprint) +
                               ": check it, then /trust " + shown(e.user) + " " + shown(d.name);
                    }
                }
                return out;
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

#include "client/tui/message_details.h"

#include "client/tui/conversation.h"
#include "common/display_text.h"

#include <ctime>

namespace sc::client::tui {
namespace {

std::string date_text(std::uint64_t ts_ms) {  // "2026-12-02 10:19", local time
    auto secs = static_cast<std::time_t>(ts_ms / 1000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

}  // namespace

std::string short_hex(std::string_view hex, std::size_t keep) {
    std::string clean;
    for (char c : hex) {
        bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (digit || c == ':') {
            clean.push_back(c);
        }
    }
    if (clean.empty()) {
        return "(none)";
    }
    if (keep < 16 || clean.size() <= keep) {
        return clean;
    }
    return clean.substr(0, keep - 8) + "…" + clean.substr(clean.size() - 8);
}

std::vector<std::string> details_lines(const MessageInfo& m, const std::string& user) {
    std::vector<std::string> out;
    std::string who =
        m.from_here ? "you to " + display_text(user)
                    : (m.own ? "you (from your device " + display_text(m.device) + ") to " +
                                   display_text(user)
                             : display_text(m.from) + " (device " + display_text(m.device) + ")");
    out.push_back("details of #" + std::to_string(m.seqno) + ", " + who + ", at " +
                  clock_text(m.ts) + (m.mid.empty() ? "" : ", message id " + short_hex(m.mid)));
    if (!m.protection) {
        out.push_back("  not sent: nothing protects it yet");
        return out;
    }
    const auto& p = *m.protection;
    out.push_back("  ciphertext: " + short_hex(p.ciphertext_hex) + " (" +
                  std::to_string(p.ciphertext_bytes) + " bytes), SHA-256 " +
                  short_hex(p.ct_sha256, 64));
    out.push_back("  signature (by the sender's device key): " + short_hex(p.signature_hex));
    out.push_back("  commitment to the text (salted): " + short_hex(p.commitment_hex, 64));
    if (!m.from_here && !m.fingerprint.empty()) {
        out.push_back("  sending device: " + short_hex(m.fingerprint, 64));
    }
    out.push_back("  sender key fingerprint (certificate SHA-256): " + short_hex(p.sender_fp, 64));
    out.push_back("  ratchet key fingerprint: " + short_hex(p.ratchet_key_fp, 64) + ", step n=" +
                  std::to_string(p.ratchet_n) + " pn=" + std::to_string(p.ratchet_pn) +
                  (p.initial ? ", initial (X3DH session setup)" : ""));
    if (m.from_here) {
        out.push_back("  delivery: " + delivery_mark(m.delivery) + " (" +
                      std::to_string(m.delivery.copies) + " device copies taken by the server)");
        for (const auto& [fp, copy] : m.delivery.devices) {
            std::string line = "    " + display_text(copy.user) + " on " + display_text(copy.name) +
                               " " + short_hex(fp, 16) + ": " +
                               (copy.status.empty() ? "?" : display_text(copy.status));
            if (copy.stored && copy.status != "stored") {
                line += ", stored";
            }
            if (copy.stored && copy.expires != 0) {
                line += " (signed by the server) until " + clock_text(copy.expires);
            }
            if (copy.expired && !copy.delivered) {
                line += ", EXPIRED undelivered";
            }
            if (copy.delivered) {
                line += ", delivered at " + clock_text(copy.delivered_ts) + " (signed statement)";
            }
            out.push_back(line);
        }
    }
    out.push_back(
        "  no key is shown: these prove who sent it and what it said, and expose no secret");
    return out;
}

std::vector<std::string> devices_lines(const note::Devices& d) {
    std::vector<std::string> out;
    out.push_back("devices of " + display_text(d.user) + ":" +
                  (d.devices.empty() ? " none known" : ""));
    for (const auto& dev : d.devices) {
        std::string line = "  " + display_text(dev.name) + " " + short_hex(dev.fingerprint, 64) +
                           " " + display_text(dev.state) + ", first seen " +
                           date_text(dev.first_seen);
        if (!dev.pending_fingerprint.empty()) {
            line += "; changed to " + short_hex(dev.pending_fingerprint, 64) + " (/trust " +
                    display_text(d.user) + " " + display_text(dev.name) + " after checking it)";
        }
        out.push_back(line);
    }
    return out;
}

}  // namespace sc::client::tui

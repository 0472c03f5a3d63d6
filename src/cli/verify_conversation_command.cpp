#include "cli/verify_conversation_command.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "common/display_text.h"
#include "common/files.h"
#include "evidence/verify_conversation.h"
#include "pki/ca_directory.h"
#include "pki/time_text.h"

namespace sc::cli {
namespace {

// A transcript line is at most ~40 KiB (a maximal envelope in base64), so this holds thousands
// of maximal messages; a disclosure holds one text.
constexpr std::size_t kMaxConversationBytes = std::size_t{256} * 1024 * 1024;
constexpr std::size_t kMaxDisclosureBytes = 64 * 1024;
constexpr std::size_t kShortFingerprintHex = 16;

struct ConversationArgs {
    std::filesystem::path transcript, ca, disclose;
    std::vector<std::filesystem::path> crls;
    int skew_seconds = 300;
    bool allow_legacy_seed_certs = false;
};

int report_failure(const std::string& reason) {
    std::cout << "FAIL " << display_text(reason) << "\n";
    return kExitFailure;
}

std::string when(std::uint64_t ms) {
    return pki::format_utc(evidence::time_from_ms(ms));
}

std::string name(const std::string& text) {
    return "'" + display_text(text) + "'";
}

std::string short_fp(const Fingerprint& fp) {
    return fp.hex().substr(0, kShortFingerprintHex);
}

std::string copy_text(const evidence::CopyProof& copy) {
    std::string out = "  to " + name(copy.to_user) + " device " + short_fp(copy.device) + ": ";
    if (copy.stored) {
        out += "stored by the server " + name(copy.stored->server) + " at " +
               when(copy.stored->ts) + " (line " + std::to_string(copy.stored->line) +
               ", kept until " + when(copy.stored->expires) + ")";
    } else {
        out += "no stored statement";
    }
    if (copy.delivered) {
        out += "; delivered to its device " + name(copy.delivered->device) + " at " +
               when(copy.delivered->ts) + " (line " + std::to_string(copy.delivered->line) + ")";
    } else if (copy.expired_line) {
        out += "; expired undelivered (line " + std::to_string(*copy.expired_line) + ", unsigned)";
    } else {
        out += "; not delivered";
    }
    return out + "\n";
}

std::string report(const evidence::ConversationSummary& s) {
    std::size_t sent = 0;
    for (const auto& m : s.messages) {
        sent += m.sent ? 1 : 0;
    }
    std::string out = "OK: the conversation between " + name(s.me) + " and " + name(s.peer) +
                      ", kept by " + display_text(s.me) + "'s device " + short_fp(s.device) +
                      " since " + when(s.created) + ": " + std::to_string(s.lines) + " lines, " +
                      std::to_string(s.messages.size()) + " messages (" + std::to_string(sent) +
                      " sent by this device, " + std::to_string(s.messages.size() - sent) +
                      " received), " + std::to_string(s.warnings) + " unsigned warnings.\n";
    for (const auto& m : s.messages) {
        out += "line " + std::to_string(m.line) + ": message " + m.mid.hex() + " (seq " +
               std::to_string(m.seq) + ") " + (m.sent ? "sent" : "received") + ", signed by " +
               name(m.from_user) + " device " + name(m.from_device) + " (" + short_fp(m.from_fp) +
               ") at " + when(m.ts) + "\n";
        for (const auto& copy : m.copies) {
            out += copy_text(copy);
        }
    }
    if (s.torn_line) {
        out += "Torn: line " + std::to_string(*s.torn_line) +
               " is not a complete line (an append cut short, e.g. by a crash); it was not "
               "checked, the lines before it were.\n";
    } else if (s.missing_final_newline) {
        out += "Note: the last line has no final newline; it was checked.\n";
    }
    out +=
        "Each message's signature verifies with its sender's certificate; each stored statement "
        "with the server certificate, each delivered statement with its device's certificate; "
        "all chain to the CA as of the time they carry.\n";
    return out;
}

int run(const ConversationArgs& args) {
    auto transcript = read_file(args.transcript, kMaxConversationBytes);
    if (!transcript) {
        return report_failure(transcript.error().message);
    }
    auto ca = pki::load_certificate_chain(args.ca);
    if (!ca) {
        return report_failure(ca.error().message);
    }
    evidence::EvidenceTrust trust(ca->front());
    trust.clock_skew = std::chrono::seconds(args.skew_seconds);
    trust.allow_legacy_seed_certs = args.allow_legacy_seed_certs;
    auto crls = pki::load_crls(args.crls);
    if (!crls) {
        return report_failure(crls.error().message);
    }
    trust.crls = std::move(crls).value();
    auto summary = evidence::verify_conversation(*transcript, trust);
    if (!summary) {
        return report_failure(summary.error().message);
    }
    std::string disclosed;
    if (!args.disclose.empty()) {
        auto text = read_file(args.disclose, kMaxDisclosureBytes);
        if (!text) {
            return report_failure(text.error().message);
        }
        auto found = evidence::check_conversation_disclosure(*summary, *text);
        if (!found) {
            return report_failure(found.error().message);
        }
        const auto& m = summary->messages[found->message];
        disclosed = "Disclosed: message " + m.mid.hex() + " from " + name(m.from_user) + " said " +
                    name(found->text) + " (its text and salt open the commitment of line " +
                    std::to_string(found->line) + ").\n";
    }
    std::cout << report(*summary) << disclosed;
    return kExitOk;
}

}  // namespace

CLI::App* add_verify_conversation_command(CLI::App& verify, std::function<int()>& action) {
    auto args = std::make_shared<ConversationArgs>();
    auto* cmd = verify.add_subcommand(
        "conversation",
        "Check a conversation transcript (conversations/USER.jsonl) against the CA, offline "
        "(PROTOCOL.md §11)");
    cmd->add_option("transcript", args->transcript, "Conversation transcript file")->required();
    cmd->add_option("--ca", args->ca, "Trusted CA certificate (the only trust anchor)")->required();
    cmd->add_option("--crl", args->crls,
                    "CRL to check revocation against (must be current; may be repeated)");
    cmd->add_option("--disclose", args->disclose,
                    "Also check a disclosure file (one message's text and salt) against the "
                    "message's commitment");
    cmd->add_flag("--allow-legacy-seed-certs", args->allow_legacy_seed_certs,
                  "Accept certificates without extendedKeyUsage (the seeds' certificates)");
    cmd->add_option("--skew", args->skew_seconds, "Clock skew allowed, in seconds")
        ->capture_default_str()
        ->check(CLI::Range(0, 86400));
    cmd->callback([args, &action] { action = [args] { return run(*args); }; });
    return cmd;
}

}  // namespace sc::cli

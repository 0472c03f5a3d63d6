#include "cli/verify_command.h"

#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "cli/cli.h"
#include "cli/verify_conversation_command.h"
#include "common/display_text.h"
#include "common/files.h"
#include "evidence/verify_evidence.h"
#include "pki/ca_directory.h"
#include "proto/limits.h"

namespace sc::cli {
namespace {

// Generous bounds on what is read into memory: a transcript line is at most ~22 KiB (a 16 KiB
// message in base64 with its signature), so this holds over ten thousand maximal messages.
constexpr std::size_t kMaxTranscriptBytes = std::size_t{256} * 1024 * 1024;
constexpr std::size_t kMaxReceiptBytes = 64 * 1024;
constexpr std::size_t kWrapColumns = 78;

struct DiscloseSpec {
    std::uint64_t seqno = 0;
    proto::Direction dir = proto::Direction::c2s;
};

std::optional<DiscloseSpec> parse_disclose(const std::string& value) {
    auto colon = value.find(':');
    if (colon == std::string::npos || colon == 0) {
        return std::nullopt;
    }
    auto number = value.substr(0, colon);
    auto dir = value.substr(colon + 1);
    if (number.find_first_not_of("0123456789") != std::string::npos || number.size() > 19) {
        return std::nullopt;
    }
    DiscloseSpec spec;
    spec.seqno = std::stoull(number);
    if (spec.seqno == 0 || (dir != "c2s" && dir != "s2c")) {
        return std::nullopt;
    }
    spec.dir = dir == "c2s" ? proto::Direction::c2s : proto::Direction::s2c;
    return spec;
}

struct VerifyArgs {
    std::filesystem::path transcript, receipt, cert, ca;
    std::vector<std::filesystem::path> crls;
    std::string disclose, text, salt;
    int skew_seconds = 300;
    bool allow_legacy_seed_certs = false;
};

// One line, whatever the reason holds, so scripts can rely on "FAIL <reason>": display_text
// makes line breaks and every other control visible (review M1: reasons quote file names,
// certificate names and transcript bytes, none of which we wrote).
int report_failure(const std::string& reason) {
    std::cout << "FAIL " << display_text(reason) << "\n";
    return kExitFailure;
}

std::string plural(std::uint64_t n, const std::string& word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string wrap(const std::string& text) {
    std::istringstream words(text);
    std::string out;
    std::string word;
    std::size_t column = 0;
    while (words >> word) {
        if (column > 0 && column + 1 + word.size() > kWrapColumns) {
            out += "\n";
            column = 0;
        } else if (column > 0) {
            out += " ";
            ++column;
        }
        out += word;
        column += word.size();
    }
    return out + "\n";
}

std::string named(evidence::Role role, const evidence::EvidenceSummary& s) {
    return std::string(evidence::role_name(role)) + " '" +
           display_text(role == evidence::Role::client ? s.client_name : s.server_name) + "'";
}

std::string proof_sentence(const char* from, const char* to, const evidence::DirectionProof& p) {
    if (p.messages == 0) {
        return "";
    }
    std::string out = "The " + std::string(to) + " signed acknowledgements of ";
    out += p.acked_through == 0 ? std::string("none")
                                : "messages 1 to " + std::to_string(p.acked_through);
    out += " of the " + plural(p.messages, "message") + " from the " + from;
    out += p.unacknowledged == 0
               ? ". "
               : "; " + std::to_string(p.unacknowledged) +
                     " after the last acknowledgement are unacknowledged (signed by the " + from +
                     " only). ";
    return out;
}

// Says exactly what is proven: a signature binds its signer only (M5).
std::string paragraph(const evidence::EvidenceSummary& s) {
    using evidence::Role;
    std::string out = "OK: session " + to_hex(s.session_id) + " between the " +
                      named(Role::client, s) + " and the " + named(Role::server, s) + ". ";
    if (!s.first_ts) {
        out += "The transcript holds no messages. ";
    } else {
        out += "The transcript holds " + plural(s.c2s_messages, "message") +
               " from the client to the server and " + std::to_string(s.s2c_messages) +
               " from the server to the client, sent between " +
               pki::format_utc(evidence::time_from_ms(*s.first_ts)) + " and " +
               pki::format_utc(evidence::time_from_ms(*s.last_ts)) + ". ";
    }
    out += "Its transcript hash is " + to_hex(s.transcript_sha256) + ". ";
    out +=
        "Each message's signature verifies with its sender's certificate, and binds the "
        "session, both certificates, its seqno, ts and content. ";
    out += proof_sentence("client", "server", s.c2s);
    out += proof_sentence("server", "client", s.s2c);
    if (s.has_receipt) {
        auto other = s.signer == Role::client ? Role::server : Role::client;
        out += "The receipt, signed by the " + named(s.signer, s) +
               " (its word only), covers this whole transcript and acknowledges ";
        if (s.receipt_first_seq == 0) {
            out += "no messages from the " + std::string(evidence::role_name(other)) + ". ";
        } else {
            out += "messages " + std::to_string(s.receipt_first_seq) + " to " +
                   std::to_string(s.receipt_last_seq) + " from the " +
                   std::string(evidence::role_name(other)) + ". ";
        }
    } else {
        out += "No receipt was checked. ";
    }
    out += "Both certificates chain to the CA (checked as of " +
           pki::format_utc(s.certificates_checked_at) +
           (s.first_ts ? " and " + pki::format_utc(s.certificates_checked_until) +
                             ", the first and the last message)."
                       : ", now).");
    return wrap(out);
}

int run_verify(const VerifyArgs& args) {
    auto transcript = read_file(args.transcript, kMaxTranscriptBytes);
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
    Result<evidence::EvidenceSummary> summary = fail("no check ran");
    if (args.receipt.empty()) {  // lines-only mode: the transcript and its signed acks
        summary = evidence::verify_transcript(*transcript, trust);
    } else {
        auto receipt = read_file(args.receipt, kMaxReceiptBytes);
        if (!receipt) {
            return report_failure(receipt.error().message);
        }
        auto signer = pki::load_certificate_chain(args.cert);
        if (!signer) {
            return report_failure(signer.error().message);
        }
        summary = evidence::verify_evidence(*transcript, *receipt, signer->front(), trust);
    }
    if (!summary) {
        return report_failure(summary.error().message);
    }
    std::string disclosed;
    if (!args.disclose.empty()) {
        auto spec = parse_disclose(args.disclose);  // validated by the option's check
        auto found =
            evidence::check_disclosure(*transcript, spec->seqno, spec->dir, args.text, args.salt);
        if (!found) {
            return report_failure(found.error().message);
        }
        auto sender =
            found->dir == proto::Direction::c2s ? evidence::Role::client : evidence::Role::server;
        disclosed = wrap("Disclosed: the given text and salt match the commitment of line " +
                         std::to_string(found->line_number) + " (" +
                         std::string(proto::direction_name(found->dir)) + " seqno " +
                         std::to_string(found->seqno) + ", sent by the " + named(sender, *summary) +
                         " at " + pki::format_utc(evidence::time_from_ms(found->ts)) + ").");
    }
    std::cout << paragraph(*summary) << disclosed;
    return kExitOk;
}

}  // namespace

void add_verify_command(CLI::App& app, std::function<int()>& action) {
    auto args = std::make_shared<VerifyArgs>();
    auto* cmd = app.add_subcommand("verify",
                                   "Check a saved transcript (and a receipt), or a conversation "
                                   "transcript, against the CA, offline (PROTOCOL.md §7, §11)");
    // Not required(): `verify conversation FILE` needs neither; checked in the callback.
    auto* transcript =
        cmd->add_option("transcript", args->transcript, "Transcript file (<session>.transcript)");
    auto* receipt = cmd->add_option(
        "receipt", args->receipt,
        "Receipt file (<session>.receipt.*.json); without it only the lines and acks are checked");
    auto* cert = cmd->add_option("--cert", args->cert,
                                 "Certificate of the party who signed the receipt (PEM; the "
                                 "leaf comes first)");
    receipt->needs(cert);
    cert->needs(receipt);
    auto* ca = cmd->add_option("--ca", args->ca, "Trusted CA certificate (the only trust anchor)");
    cmd->add_option("--crl", args->crls,
                    "CRL to check revocation against (must be current; repeat it for the CRL of "
                    "each intermediate CA)");
    cmd->add_flag("--allow-legacy-seed-certs", args->allow_legacy_seed_certs,
                  "Accept certificates without extendedKeyUsage (the seeds' certificates)");
    cmd->add_option("--skew", args->skew_seconds, "Clock skew allowed, in seconds")
        ->capture_default_str()
        ->check(CLI::Range(0, 86400));
    auto* disclose = cmd->add_option("--disclose", args->disclose,
                                     "Also check a disclosed message: SEQNO:DIR, e.g. 3:c2s")
                         ->check(CLI::Validator(
                             [](std::string& value) -> std::string {
                                 return parse_disclose(value)
                                            ? ""
                                            : "'" + value +
                                                  "' is not SEQNO:DIR (a seqno from 1, "
                                                  "then c2s or s2c)";
                             },
                             "SEQNO:DIR"));
    auto* text = cmd->add_option("--text", args->text, "The disclosed message text, exactly");
    auto* salt =
        cmd->add_option("--salt", args->salt, "The disclosed message's salt (32 hex digits)")
            ->check(CLI::Validator(
                [](std::string& value) -> std::string {
                    auto bytes = from_hex(value);
                    return bytes && bytes->size() == proto::kSaltBytes
                               ? ""
                               : "the salt must be " + std::to_string(proto::kSaltBytes * 2) +
                                     " hex digits";
                },
                "HEX"));
    disclose->needs(text)->needs(salt);
    text->needs(disclose);
    salt->needs(disclose);
    auto* conversation = add_verify_conversation_command(*cmd, action);
    cmd->callback([args, &action, transcript, ca, conversation] {
        if (conversation->parsed()) {
            return;  // its own callback set the action
        }
        for (const auto* option : {transcript, ca}) {
            if (option->count() == 0) {
                throw CLI::RequiredError(option->get_name());
            }
        }
        action = [args] { return run_verify(*args); };
    });
}

}  // namespace sc::cli

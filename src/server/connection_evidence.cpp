// The evidence side of a connection: the transcript file (created at chat-ready, charged to the
// account's daily quota, and fatal to the session when it cannot be written), the receipts,
// the record that names both identities of the session, and the certificate recheck.
#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "pki/name_match.h"
#include "server/connection.h"
#include "server/log.h"

namespace sc::server {

std::optional<Connection::Refusal> Connection::store_evidence(const proto::Output& out) {
    std::optional<Refusal> problem;
    for (const auto& event : out.events) {
        if (std::holds_alternative<proto::event::ChatReady>(event)) {
            open_transcript(problem);
        } else if (const auto* t = std::get_if<proto::event::TranscriptAppend>(&event)) {
            append_transcript(t->text, problem);
        }
        if (problem) {
            break;
        }
    }
    return problem;
}

void Connection::open_transcript(std::optional<Refusal>& problem) {
    const auto* channel = session().channel();
    if (channel == nullptr) {
        problem = Refusal{proto::ErrorCode::internal, "no channel at chat-ready"};
        return;
    }
    auto files = evidence::SessionFiles::create(ctx_.settings.data_dir / "transcripts",
                                                channel->session_id());
    if (!files) {
        log::event(log::Level::error, "transcript_unavailable",
                   {{"conn", conn()},
                    {"user", username_},
                    {"client_fp", client_fp_},
                    {"reason", files.error().message}});
        problem =
            Refusal{proto::ErrorCode::internal, "the server cannot record this session's evidence"};
        return;
    }
    files_.emplace(std::move(files).value());
    write_session_record();
}

void Connection::append_transcript(const std::string& text, std::optional<Refusal>& problem) {
    if (!files_) {
        problem =
            Refusal{proto::ErrorCode::internal, "the server cannot record this session's evidence"};
        return;
    }
    if (!ctx_.transcript_quota.charge(account_, text.size(), ctx_.clock->now())) {
        log::event(log::Level::warn, "transcript_quota_exceeded",
                   {{"conn", conn()}, {"user", username_}, {"client_fp", client_fp_}});
        problem = Refusal{proto::ErrorCode::throttled,
                          "this account's transcript quota for today is used up"};
        return;
    }
    if (auto appended = files_->append(text); !appended) {
        log::event(log::Level::error, "transcript_write_failed",
                   {{"conn", conn()},
                    {"user", username_},
                    {"client_fp", client_fp_},
                    {"reason", appended.error().message}});
        problem =
            Refusal{proto::ErrorCode::internal, "the server cannot record this session's evidence"};
    }
}

// <session>.session.json (0600): which account used which certificate (H1). The transcript
// and receipts attest the certificate; this record says what the server believed besides.
void Connection::write_session_record() {
    auto path = files_->transcript_path();
    path.replace_extension(".session.json");
    nlohmann::json record{{"account", username_},
                          {"client_fp", client_fp_},
                          {"client_cn", peer_ ? peer_->common_name() : std::string()},
                          {"peer_address", address_}};
    std::string text = record.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    if (fd >= 0) {
        ::close(fd);
    }
    if (!ok) {
        log::event(log::Level::warn, "session_record_failed",
                   {{"conn", conn()}, {"path", path.string()}});
    }
}

void Connection::save_receipts(const proto::event::ReceiptsExchanged& e) {
    end_reason_ = "session ended with receipts";
    if (!files_ || !peer_) {
        return;
    }
    auto saved = files_->save_receipts(e.own, e.peer, session().channel()->session_id(),
                                       ctx_.identity.chain.front(), *peer_);
    log::event(saved ? log::Level::info : log::Level::error, "receipts_saved",
               {{"conn", conn()},
                {"user", username_},
                {"client_fp", client_fp_},
                {"transcript_sha256", e.transcript_sha256.hex()},
                {"result", saved ? "ok" : saved.error().message}});
}

void Connection::recheck_certificate() {
    auto self = shared_from_this();
    asio::post(strand_, [self] { self->guarded("recheck", [&] { self->recheck_now(); }); });
}

// The full verified chain against the current trust, with allowed_client_names (L3).
void Connection::recheck_now() {
    if (closed_ || closing() || !session_ || !session_->client()) {
        return;
    }
    trust_version_ = ctx_.trust_version();
    auto trust = ctx_.current_trust();
    const auto& presented = session_->client()->presented();
    pki::VerifyPolicy policy(trust->ca);
    policy.crls = trust->crls;
    policy.purpose = pki::Purpose::client;
    policy.clock_skew = trust->clock_skew;
    policy.allow_legacy_seed_certs = trust->allow_legacy_seed_certs;
    // One chain verification, then the names on the verified leaf (as the handshake does, L9).
    const auto& names = ctx_.settings.security.allowed_client_names;
    std::string reason;
    auto verified = pki::verify_certificate(presented, policy);
    if (!verified) {
        reason = verified.error().message();
    } else if (!names.empty() && !pki::matches_any_name(*verified, names)) {
        reason = "the certificate carries none of the accepted client names [name_mismatch]";
    } else {
        return;
    }
    log::event(
        log::Level::warn, "peer_certificate_refused",
        {{"conn", conn()}, {"user", username_}, {"client_fp", client_fp_}, {"reason", reason}});
    end_reason_ = "peer certificate refused after reload";
    handle(session_->terminate(proto::ErrorCode::bad_certificate, reason));
}

}  // namespace sc::server

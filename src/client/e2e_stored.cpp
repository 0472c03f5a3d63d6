// E2eMessaging: what the server says about the copies we send (docs/PROTOCOL.md §2.4, §10.6):
// its signed `stored` statements, checked with the certificate of this session's handshake over
// what we sent; refusals (quota_exceeded, ...) per device; copies whose signed `expires` passed
// undelivered; and our own `received` for what it pushed us, once that is durable.
#include <algorithm>

#include "client/e2e_outgoing.h"
#include "client/errors_text.h"
#include "common/display_text.h"
#include "evidence/conversation_transcript.h"
#include "proto/limits.h"

namespace sc::client {

namespace msg = proto::msg;

namespace {

std::string copy_words(const std::string& user, const std::string& device,
                       const std::string& fp_hex) {
    return display_text(user) + "'s device '" + display_text(device) + "' (" +
           fp_hex.substr(0, 16) + "…)";
}

}  // namespace

void E2eMessaging::copy_relayed(const std::shared_ptr<Outgoing>& out, std::size_t index,
                                const msg::Answer& answer) {
    auto& copy = out->copies[index];
    // §2.4 answers `send` with `stored` or an error. A bare `result ok` (a server without
    // store-first, or one that will not sign) took the copy but vouches for nothing: it counts
    // as sent, is never marked stored, and is said so.
    std::string status = "unconfirmed";
    if (const auto* stored = std::get_if<msg::Stored>(&answer)) {
        status =
            accept_stored(out->to, copy.target.user, copy.name, copy.target.fingerprint,
                          out->message.seq, out->message.mid, copy.sealed->envelope_sha256, *stored)
                ? "stored"
                : "bad_stored_statement";
    } else if (const auto* r = std::get_if<msg::Result>(&answer); r && r->code) {
        status = std::string(proto::error_code_name(*r->code));
        if (auto marked = history_.mark_refused(out->mid_hex, copy.target.fingerprint, status);
            !marked) {
            host_.notify(note::Error{code::evidence, marked.error().message});
        }
        auto e = request_error(*r->code, r->message, display_text(copy.target.user));
        host_.notify(note::Error{
            e.code, "not stored for " +
                        copy_words(copy.target.user, copy.name, copy.target.fingerprint) + ": " +
                        e.message});
    }
    if (status == "unconfirmed") {
        warn(out->to, note::Warning{
                          "unconfirmed", copy.target.user, copy.name, "", copy.target.fingerprint,
                          "the server took message #" + std::to_string(out->message.seq) + " for " +
                              copy_words(copy.target.user, copy.name, copy.target.fingerprint) +
                              " without a signed stored statement: it is not marked "
                              "stored"});
    }
    if (status == "unconfirmed" || status == "stored") {
        ++out->relayed;
        if (copy.target.user == out->to) {
            ++out->relayed_to_recipient;
        }
    } else if (copy.target.user == out->to && out->first_recipient_status.empty()) {
        out->first_recipient_status = status;
    }
    host_.notify(note::Relayed{copy.target.user, copy.name, copy.target.fingerprint,
                               out->message.seq, out->mid_hex, status});
    if (++out->answered < out->sent) {
        return;
    }
    if (out->relayed_to_recipient == 0) {
        const auto code = out->first_recipient_status.empty() ? std::string("not_stored")
                                                              : out->first_recipient_status;
        refuse(out->command, {code, "no device of " + display_text(out->to) +
                                        " took the message (" + code + "): it was not delivered"});
        return;
    }
    note::Sent sent;
    sent.seqno = out->message.seq;
    sent.ts = out->message.ts;
    sent.text = out->message.text;
    sent.to = out->to;
    sent.mid = out->mid_hex;
    sent.devices = out->relayed;
    sent.protection = out->protection;
    host_.notify(sent);
    finish(out->command, {});
}

bool E2eMessaging::accept_stored(const std::string& peer, const std::string& to,
                                 const std::string& device_name, const std::string& fp_hex,
                                 std::uint64_t seq, const MessageId& mid, ByteView envelope_sha256,
                                 const msg::Stored& stored) {
    auto fp_r = Fingerprint::from_hex(fp_hex);
    e2e::StoredStatement statement{sessions_.own().fp,
                                   fp_r ? *fp_r : sessions_.own().fp,
                                   mid,
                                   Bytes(envelope_sha256.begin(), envelope_sha256.end()),
                                   stored.held,
                                   stored.ts,
                                   stored.expires};
    // Over what we sent, with the key of the certificate this session's handshake verified.
    bool valid = fp_r && stored.held != 0 && stored.expires > stored.ts &&
                 server_certs_.front()
                     .public_key()
                     .verify(e2e::stored_signed(e2e::encode_stored(statement)), stored.sig)
                     .ok();
    if (!valid) {
        note::Warning w{"bad_stored_statement",
                        to,
                        device_name,
                        "",
                        fp_hex,
                        "the server's stored statement for message #" + std::to_string(seq) +
                            " to " + copy_words(to, device_name, fp_hex) +
                            " does not verify with the server's certificate: the copy is not "
                            "marked stored"};
        record(peer, ConversationLog::warning_line(now_ms(), w));
        host_.notify(note::Error{"bad_stored_statement", w.message});
        return false;
    }
    if (auto marked =
            history_.mark_stored(mid.hex(), fp_hex, stored.held, stored.ts, stored.expires);
        !marked) {
        host_.notify(note::Error{code::evidence, marked.error().message});
    }
    record(peer,
           evidence::conversation::stored_line(now_ms(), to, statement, stored.sig,
                                               pki::Certificate::chain_to_der(server_certs_)));
    host_.notify(note::Stored{to, device_name, fp_hex, seq, mid.hex(), stored.expires});
    if (!next_expiry_ || stored.expires < *next_expiry_) {
        next_expiry_ = stored.expires;
    }
    return true;
}

void E2eMessaging::refresh_next_expiry() {
    auto next = history_.next_expiry();
    next_expiry_ = next ? next.value() : std::nullopt;
}

void E2eMessaging::check_expiries() {
    const auto now = now_ms();
    if (stopped_ || !next_expiry_ || now < *next_expiry_) {
        return;
    }
    constexpr std::size_t kPerCheck = 64;  // the rest at the next tick
    auto due = history_.expire_due(now, kPerCheck);
    if (!due) {
        host_.notify(note::Error{code::evidence, due.error().message});
        next_expiry_.reset();
        return;
    }
    for (const auto& e : due.value()) {
        record(e.peer,
               evidence::conversation::expired_line(now, e.copy.to, e.copy.fingerprint, e.mid));
        host_.notify(note::Expired{e.copy.to, e.copy.device, e.copy.fingerprint, e.seq, e.mid});
    }
    refresh_next_expiry();
}

void E2eMessaging::acknowledge(std::uint64_t held) {
    if (held == 0 ||
        std::find(to_acknowledge_.begin(), to_acknowledge_.end(), held) != to_acknowledge_.end()) {
        return;
    }
    to_acknowledge_.push_back(held);
    if (to_acknowledge_.size() >= proto::kMaxReceivedPerRequest) {
        flush_received();
    }
}

void E2eMessaging::flush_received() {
    if (stopped_ || to_acknowledge_.empty()) {
        return;
    }
    auto ids = std::exchange(to_acknowledge_, {});
    for (std::size_t i = 0; i < ids.size(); i += proto::kMaxReceivedPerRequest) {
        auto end = std::min(ids.size(), i + proto::kMaxReceivedPerRequest);
        msg::Received received;
        received.held.assign(ids.begin() + static_cast<std::ptrdiff_t>(i),
                             ids.begin() + static_cast<std::ptrdiff_t>(end));
        // Refused or lost, the envelopes stay stored and come again, and we drop them as
        // duplicates then: nothing the user could act on, so nothing is told (a server without
        // store-first answers `unavailable`).
        ask(std::move(received), [](const msg::Answer&) {});
    }
}

}  // namespace sc::client

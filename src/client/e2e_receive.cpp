// E2eMessaging: envelopes the server relays to us (docs/PROTOCOL.md §10.5). Nothing in a push is
// believed before the envelope's own certificate and signature are checked: the server's `from`
// only names whose certificate it must be.
#include "client/e2e_messaging.h"

#include "client/errors_text.h"
#include "common/display_text.h"
#include "common/usernames.h"
#include "e2e/device_trust.h"
#include "evidence/conversation_transcript.h"

namespace sc::client {

namespace msg = proto::msg;

namespace {

std::string device_words(const e2e::VerifiedDevice& d) {
    return display_text(d.user) + "'s device '" + display_text(d.name) + "'";
}

}  // namespace

void E2eMessaging::on_envelope(const msg::Envelope& push) {
    if (stopped_) {
        return;
    }
    const std::string from = display_text(push.from);
    auto parsed = e2e::parse_envelope(push.body);
    if (!parsed) {
        host_.notify(note::Error{"malformed", "refused an envelope from " + from +
                                                  ": it does not parse (" +
                                                  display_text(parsed.error().message) + ")"});
        acknowledge(push.held);  // refused for good: it would never open
        return;
    }
    const auto& p = parsed.value();
    if (p.from_fp.hex() != push.device ||
        !std::equal(p.mid.view().begin(), p.mid.view().end(), push.mid.begin(), push.mid.end())) {
        host_.notify(note::Error{"malformed", "refused an envelope from " + from +
                                                  ": its signer or message id is not the one "
                                                  "the server names"});
        acknowledge(push.held);
        return;
    }
    // The certificate must be that of the user the server says it comes from (a certificate of
    // carol in an envelope "from bob" is refused), and must be the envelope's signer.
    auto sender = e2e::verify_device(p.cert_der, push.from, credentials_.trust, now_ms());
    if (!sender) {
        host_.notify(note::Error{sender.error().code, "refused an envelope from " + from + ": " +
                                                          sender.error().message});
        acknowledge(push.held);
        return;
    }
    const auto& device = sender.value();
    if (!(device.fp == p.from_fp)) {
        host_.notify(note::Error{"bad_certificate", "refused an envelope from " + from +
                                                        ": it carries the certificate of "
                                                        "another device than its signer"});
        acknowledge(push.held);
        return;
    }
    if (!p.conv.has(username_) || !p.conv.has(device.user) || !(p.to_fp == sessions_.own().fp)) {
        host_.notify(note::Error{"malformed", "refused an envelope from " + device_words(device) +
                                                  ": it is not for this device in a "
                                                  "conversation of ours"});
        acknowledge(push.held);
        return;
    }
    const std::string peer = p.conv.peer_of(username_);
    // Held (not acknowledged): after /trust, the device's next session gets it again.
    if (!pin_allows(device, pins_.knows(device.user), peer)) {
        (void)pins_.save();
        host_.notify(note::Error{"device_changed",
                                 "refused a message from " + device_words(device) +
                                     ": its certificate changed; check it with " +
                                     display_text(device.user) + ", then /trust " +
                                     display_text(device.user) + " " + display_text(device.name)});
        return;
    }
    if (auto saved = pins_.save(); !saved) {
        host_.notify(
            note::Error{code::evidence, "cannot save the device pins: " + saved.error().message});
    }
    if (p.kind == e2e::ParsedEnvelope::Kind::message) {
        on_message(push, p, device);
    } else {
        on_delivered(push, p, device);
    }
}

bool E2eMessaging::remember_here(const std::string& key) {
    if (accepted_here_.size() >= kMaxRememberedHere) {
        accepted_here_.erase(accepted_here_.begin());  // only a warning could be missed
    }
    return accepted_here_.insert(key).second;
}

void E2eMessaging::on_duplicate(const msg::Envelope& push, const std::string& peer,
                                const e2e::VerifiedDevice& sender) {
    const auto key = push.device + "/" + to_hex(push.mid);
    if (!remember_here(key)) {
        // This session was pushed it already: a server that replays (a redelivery comes in a
        // later session, after a `received` that was lost).
        warn(peer, note::Warning{"replayed", sender.user, sender.name, "", sender.fp.hex(),
                                 "message " + to_hex(push.mid) + " from " + device_words(sender) +
                                     " arrived again: the duplicate was dropped"});
    }
    acknowledge(push.held);
}

void E2eMessaging::on_message(const msg::Envelope& push, const e2e::ParsedEnvelope& parsed,
                              const e2e::VerifiedDevice& sender) {
    const std::string peer = parsed.conv.peer_of(username_);
    auto kept = history_.has(parsed.mid.hex(), sender.fp.hex());
    if (!kept) {
        host_.notify(note::Error{code::evidence,
                                 "cannot read the history (the message stays on "
                                 "the server): " +
                                     kept.error().message});
        return;
    }
    if (kept.value()) {
        on_duplicate(push, peer, sender);
        return;
    }
    auto opened = sessions_.open(parsed, sender, now_ms());
    if (!opened) {
        const auto& e = opened.error();
        if (e.code == "replay") {
            on_duplicate(push, peer, sender);
        } else {
            host_.notify(note::Error{e.code, "refused a message from " + device_words(sender) +
                                                 ": " + display_text(e.message)});
            acknowledge(push.held);  // §10.5 refused it for good
        }
        return;
    }
    auto& m = opened.value();
    // Signing changes no state: the statement is ready before anything is written.
    auto delivered = sessions_.make_delivered(m, now_ms());
    // Durable first (state, history, transcript), then `received` and the delivered statement.
    if (!save_state()) {
        return;
    }
    const auto received_at = now_ms();
    HistoryMessage entry{.peer = peer,
                         .outgoing = sender.user == username_,
                         .from = sender.user,
                         .device = sender.name,
                         .fingerprint = sender.fp.hex(),
                         .mid = m.mid.hex(),
                         .seq = m.seq,
                         .ts = m.ts,
                         .recorded_ts = received_at,
                         .text = m.text,
                         .salt = m.salt,
                         .copies = {}};
    std::optional<PendingDelivered> statement;
    if (delivered) {
        statement = PendingDelivered{m.mid.hex(), sender.fp.hex(), sender.user, delivered.value(),
                                     received_at};
    }
    bool durable = true;
    if (auto recorded = history_.record(entry, statement ? &*statement : nullptr); !recorded) {
        host_.notify(note::Error{
            code::evidence, "cannot keep the message in the history: " + recorded.error().message});
        durable = false;
    }
    if (m.sequence == e2e::Sequence::gap) {
        warn(peer,
             note::Warning{"messages_missing", sender.user, sender.name, "", sender.fp.hex(),
                           "messages " + std::to_string(m.missing_from) + " to " +
                               std::to_string(m.missing_to) + " from " + device_words(sender) +
                               " are missing (the server did not relay them)"});
    } else if (m.sequence == e2e::Sequence::out_of_order) {
        warn(peer,
             note::Warning{"out_of_order", sender.user, sender.name, "", sender.fp.hex(),
                           "message " + std::to_string(m.seq) + " from " + device_words(sender) +
                               " arrived after later ones (out of order)"});
    }
    durable = record(peer, evidence::conversation::received_line(received_at, sender.user,
                                                                 sender.fp.hex(), parsed.body)) &&
              durable;
    remember_here(push.device + "/" + to_hex(push.mid));
    note::Message shown;
    shown.from = sender.user;
    shown.seqno = m.seq;
    shown.ts = m.ts;
    shown.text = m.text;
    shown.device = sender.name;
    shown.fingerprint = sender.fp.hex();
    shown.conversation = peer;
    shown.mid = m.mid.hex();
    shown.protection = protection_of(m.details);
    host_.notify(shown);
    if (durable) {
        acknowledge(push.held);
    }  // else it stays on the server, and is dropped as a duplicate when it comes again

    if (!delivered) {
        host_.notify(note::Error{
            "internal", "cannot sign the delivered statement: " + delivered.error().message});
        return;
    }
    if (durable) {
        send_delivered(*statement);
    }
}

void E2eMessaging::on_delivered(const msg::Envelope& push, const e2e::ParsedEnvelope& parsed,
                                const e2e::VerifiedDevice& recipient) {
    const auto mid = parsed.mid.hex();
    const auto fp = recipient.fp.hex();
    auto copy = history_.copy(mid, fp);
    auto seq = history_.seq_of(mid);
    if (!copy || !seq) {
        host_.notify(note::Error{code::evidence,
                                 "cannot read the history (the statement stays "
                                 "on the server): " +
                                     (copy ? seq.error() : copy.error()).message});
        return;
    }
    if (!copy.value()) {
        host_.notify(note::Error{"unexpected_message",
                                 "a delivered statement from " + device_words(recipient) +
                                     " names a message we did not send to it; ignored"});
        acknowledge(push.held);
        return;
    }
    const auto& sent = *copy.value();
    if (sent.state == CopyState::delivered) {
        acknowledge(push.held);  // told once already
        return;
    }
    auto statement = sessions_.check_delivered(
        parsed, recipient, e2e::SentCopy{sent.envelope_sha256, parsed.mid, seq.value()});
    if (!statement) {
        // Kept in the transcript too: a statement the server relayed that the device never
        // signed is evidence against the server.
        note::Warning w{"bad_message_signature",
                        recipient.user,
                        recipient.name,
                        "",
                        fp,
                        "refused a delivered statement from " + device_words(recipient) + ": " +
                            display_text(statement.error().message)};
        record(parsed.conv.peer_of(username_), ConversationLog::warning_line(now_ms(), w));
        host_.notify(note::Error{w.code, w.message});
        acknowledge(push.held);
        return;
    }
    note::Delivered d{sent.to, recipient.name, fp, seq.value(), mid, statement.value().ts};
    bool durable = true;
    if (auto marked = history_.mark_delivered(mid, fp, statement.value().ts); !marked) {
        host_.notify(note::Error{code::evidence, marked.error().message});
        durable = false;
    }
    durable = record(parsed.conv.peer_of(username_),
                     evidence::conversation::delivered_line(now_ms(), sent.to, fp, push.body)) &&
              durable;
    host_.notify(d);
    if (durable) {
        acknowledge(push.held);
    }
}

}  // namespace sc::client

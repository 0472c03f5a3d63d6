// E2eMessaging: envelopes the server relays to us (docs/PROTOCOL.md §10.5). Nothing in a push is
// believed before the envelope's own certificate and signature are checked: the server's `from`
// only names whose certificate it must be.
#include "client/e2e_messaging.h"

#include "client/errors_text.h"
#include "common/display_text.h"
#include "common/usernames.h"
#include "e2e/device_trust.h"

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
        return;
    }
    const auto& p = parsed.value();
    if (p.from_fp.hex() != push.device ||
        !std::equal(p.mid.view().begin(), p.mid.view().end(), push.mid.begin(), push.mid.end())) {
        host_.notify(note::Error{"malformed", "refused an envelope from " + from +
                                                  ": its signer or message id is not the one "
                                                  "the server names"});
        return;
    }
    // The certificate must be that of the user the server says it comes from (a certificate of
    // carol in an envelope "from bob" is refused), and must be the envelope's signer.
    auto sender = e2e::verify_device(p.cert_der, push.from, credentials_.trust, now_ms());
    if (!sender) {
        host_.notify(note::Error{sender.error().code, "refused an envelope from " + from + ": " +
                                                          sender.error().message});
        return;
    }
    const auto& device = sender.value();
    if (!(device.fp == p.from_fp)) {
        host_.notify(note::Error{"bad_certificate", "refused an envelope from " + from +
                                                        ": it carries the certificate of "
                                                        "another device than its signer"});
        return;
    }
    if (!p.conv.has(username_) || !p.conv.has(device.user) || !(p.to_fp == sessions_.own().fp)) {
        host_.notify(note::Error{"malformed", "refused an envelope from " + device_words(device) +
                                                  ": it is not for this device in a "
                                                  "conversation of ours"});
        return;
    }
    const std::string peer = p.conv.peer_of(username_);
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
        on_delivered(p, device);
    }
}

void E2eMessaging::on_message(const msg::Envelope& push, const e2e::ParsedEnvelope& parsed,
                              const e2e::VerifiedDevice& sender) {
    const std::string peer = parsed.conv.peer_of(username_);
    auto opened = sessions_.open(parsed, sender, now_ms());
    if (!opened) {
        const auto& e = opened.error();
        if (e.code == "replay") {
            warn(peer,
                 note::Warning{"replayed", sender.user, sender.name, "", sender.fp.hex(),
                               "message " + parsed.mid.hex() + " from " + device_words(sender) +
                                   " arrived again: the duplicate was dropped"});
        } else {
            host_.notify(note::Error{e.code, "refused a message from " + device_words(sender) +
                                                 ": " + display_text(e.message)});
        }
        return;
    }
    auto& m = opened.value();
    if (!save_state()) {
        return;
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
    auto protection = protection_of(m.details);
    record(peer, ConversationLog::envelope_line("received", m.ts, "from", sender.user, sender.name,
                                                sender.fp.hex(), m.seq, m.mid.hex(), parsed.body,
                                                protection));
    note::Message shown;
    shown.from = sender.user;
    shown.seqno = m.seq;
    shown.ts = m.ts;
    shown.text = m.text;
    shown.device = sender.name;
    shown.fingerprint = sender.fp.hex();
    shown.conversation = peer;
    shown.mid = m.mid.hex();
    shown.protection = std::move(protection);
    host_.notify(shown);

    // make_delivered only signs (the state was saved above, after open()).
    auto delivered = sessions_.make_delivered(m, now_ms());
    if (!delivered) {
        host_.notify(note::Error{
            "internal", "cannot sign the delivered statement: " + delivered.error().message});
        return;
    }
    // The statement travels under the message's id (the relay's mid names the message it is
    // about); an answer other than ok is nobody's concern here.
    ask(msg::Relay{.to = sender.user,
                   .device = sender.fp.hex(),
                   .mid = push.mid,
                   .body = std::move(delivered).value()},
        [](const msg::Answer&) {});
}

void E2eMessaging::on_delivered(const e2e::ParsedEnvelope& parsed,
                                const e2e::VerifiedDevice& recipient) {
    auto* entry = ledger_.find(parsed.mid.hex(), recipient.fp.hex());
    if (!entry) {
        host_.notify(note::Error{"unexpected_message",
                                 "a delivered statement from " + device_words(recipient) +
                                     " names a message we did not send to it; ignored"});
        return;
    }
    if (entry->delivered) {
        return;  // told once already
    }
    auto statement = sessions_.check_delivered(
        parsed, recipient, e2e::SentCopy{entry->envelope_sha256, parsed.mid, entry->seq});
    if (!statement) {
        host_.notify(note::Error{"bad_message_signature",
                                 "refused a delivered statement from " + device_words(recipient) +
                                     ": " + display_text(statement.error().message)});
        return;
    }
    entry->delivered = true;
    note::Delivered d{entry->to,  recipient.name,   recipient.fp.hex(),
                      entry->seq, parsed.mid.hex(), statement.value().ts};
    record(parsed.conv.peer_of(username_), ConversationLog::delivered_line(now_ms(), d));
    host_.notify(d);
}

}  // namespace sc::client

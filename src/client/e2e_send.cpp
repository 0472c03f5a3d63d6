// E2eMessaging's send path: /msg USER TEXT, from the device lists to one sealed copy per
// device, the state saved before any copy leaves, then one `send` per copy. The answers to
// `send` (stored statements, expiry) are in e2e_stored.cpp.
#include "client/e2e_outgoing.h"

#include "client/errors_text.h"
#include "common/display_text.h"
#include "common/usernames.h"
#include "e2e/device_trust.h"
#include "evidence/conversation_transcript.h"
#include "proto/limits.h"

namespace sc::client {

namespace msg = proto::msg;

void E2eMessaging::send_message(std::string to, std::string text, Completion done) {
    auto command = begin(std::move(done));
    if (text.size() > proto::kMaxTextBytes || !is_valid_utf8(text)) {
        refuse(command, {code::bad_text, "the message is not UTF-8 text of at most " +
                                             std::to_string(proto::kMaxTextBytes) +
                                             " bytes; nothing was sent"});
        return;
    }
    auto conv = e2e::Conversation::between(username_, to);
    if (!conv) {
        refuse(command, {code::bad_command,
                         "cannot write to '" + display_text(to) + "': " + conv.error().message});
        return;
    }
    auto mid = entropy_.random(kMessageIdBytes);
    if (!mid) {
        refuse(command, {"internal", "no randomness for a message id"});
        return;
    }
    auto out = std::make_shared<Outgoing>();
    out->command = command;
    out->to = canonical_username(to);
    out->message.conv = conv.value();
    out->message.mid = *MessageId::from_view(mid.value());
    out->message.text = std::move(text);
    out->mid_hex = out->message.mid.hex();
    ask(msg::ListDevices{.user = out->to}, [this, out](const msg::Answer& answer) {
        if (const auto* list = std::get_if<msg::DeviceList>(&answer)) {
            out->theirs = *list;
        } else {
            const auto& r = std::get<msg::Result>(answer);
            refuse(out->command, r.code ? request_error(*r.code, r.message, out->to)
                                        : note::Error{"unexpected_message",
                                                      "the server answered devices with ok"});
            return;
        }
        if (out->ours) {
            on_device_lists(out);
        }
    });
    ask(msg::ListDevices{.user = username_}, [this, out](const msg::Answer& answer) {
        // Without our own list, our other devices just miss this copy.
        const auto* list = std::get_if<msg::DeviceList>(&answer);
        out->ours = list ? *list : msg::DeviceList{};
        if (out->theirs) {
            on_device_lists(out);
        }
    });
}

void E2eMessaging::on_device_lists(const std::shared_ptr<Outgoing>& out) {
    if (!commands_.count(out->command)) {
        return;
    }
    auto targets =
        copy_targets(out->to, *out->theirs, username_, *out->ours, sessions_.own().fp.hex());
    bool any_recipient = false;
    for (auto& t : targets) {
        any_recipient = any_recipient || t.user == out->to;
        out->copies.push_back(Outgoing::Copy{std::move(t), {}, {}, false});
    }
    if (!any_recipient) {
        refuse(out->command, {"no_such_device", display_text(out->to) +
                                                    " has no device that can receive end-to-end "
                                                    "messages yet; nothing was sent"});
        return;
    }
    out->known_theirs = pins_.knows(out->to);
    out->known_ours = pins_.knows(username_);
    out->message.seq = sessions_.next_seq(out->message.conv);
    out->message.ts = now_ms();
    for (std::size_t i = 0; i < out->copies.size(); ++i) {
        prepare_copy(out, i);
    }
}

void E2eMessaging::prepare_copy(const std::shared_ptr<Outgoing>& out, std::size_t index) {
    const auto& target = out->copies[index].target;
    const auto* pinned = pins_.find(target.user, target.fingerprint);
    auto fp = Fingerprint::from_hex(target.fingerprint);
    if (pinned && fp && sessions_.has_session(*fp)) {
        // A session exists: the pinned certificate, checked again (it may have been revoked or
        // have expired since).
        auto device =
            e2e::verify_device(pinned->cert_der, target.user, credentials_.trust, now_ms());
        if (!device) {
            copy_refused(out, index, device.error().code, device.error().message);
            return;
        }
        seal_copy(out, index, device.value(), nullptr);
        return;
    }
    ask(msg::FetchBundle{.user = target.user, .device = target.fingerprint},
        [this, out, index](const msg::Answer& answer) {
            const auto& t = out->copies[index].target;
            const auto* kb = std::get_if<msg::KeyBundle>(&answer);
            if (!kb) {
                const auto& r = std::get<msg::Result>(answer);
                auto e = r.code ? request_error(*r.code, r.message, t.user)
                                : note::Error{"unexpected_message", "no bundle in the answer"};
                copy_refused(out, index, e.code, e.message);
                return;
            }
            if (canonical_username(kb->user) != t.user || kb->device != t.fingerprint) {
                copy_refused(out, index, "bad_certificate",
                             "the server answered with the bundle of another device");
                return;
            }
            auto bundle = e2e::verify_bundle(*kb, t.user, credentials_.trust, now_ms());
            if (!bundle) {
                copy_refused(out, index, bundle.error().code, bundle.error().message);
                return;
            }
            bool known = t.user == out->to ? out->known_theirs : out->known_ours;
            if (!pin_allows(bundle.value().device, known, out->to)) {
                copy_refused(out, index, "device_changed",
                             "the certificate of " + display_text(t.user) + "'s device '" +
                                 display_text(bundle.value().device.name) +
                                 "' changed: nothing was sent to it (/trust " +
                                 display_text(t.user) + " " +
                                 display_text(bundle.value().device.name) + " accepts it)");
                return;
            }
            seal_copy(out, index, bundle.value().device, &bundle.value());
        });
}

void E2eMessaging::seal_copy(const std::shared_ptr<Outgoing>& out, std::size_t index,
                             const e2e::VerifiedDevice& device, const e2e::VerifiedBundle* bundle) {
    auto sealed = sessions_.seal(device, bundle, out->message);
    if (!sealed) {
        copy_refused(out, index, "internal",
                     "cannot seal the message for it: " + sealed.error().message);
        return;
    }
    auto& copy = out->copies[index];
    copy.name = device.name;
    if (copy.target.user == out->to && out->protection.signature_hex.empty()) {
        out->protection = protection_of(sealed.value().details);
    }
    copy.sealed = std::move(sealed).value();
    if (++out->prepared == out->copies.size()) {
        copy_prepared(out);
    }
}

void E2eMessaging::copy_refused(const std::shared_ptr<Outgoing>& out, std::size_t index,
                                std::string code, std::string message) {
    auto& copy = out->copies[index];
    copy.done = true;
    if (copy.target.user == out->to && out->first_recipient_status.empty()) {
        out->first_recipient_status = code;
    }
    host_.notify(note::Error{std::move(code), "not sent to " + display_text(copy.target.user) +
                                                  "'s device " + display_text(copy.target.name) +
                                                  " (" + copy.target.fingerprint.substr(0, 16) +
                                                  "…): " + message});
    if (++out->prepared == out->copies.size()) {
        copy_prepared(out);
    }
}

void E2eMessaging::copy_prepared(const std::shared_ptr<Outgoing>& out) {
    // Keys used for these copies must never be used again: the state is on disk before any
    // copy leaves (device_sessions.h).
    if (auto saved = pins_.save(); !saved) {
        host_.notify(
            note::Error{code::evidence, "cannot save the device pins: " + saved.error().message});
    }
    if (!save_state()) {
        finish(out->command, fail(note::Error{code::evidence, "nothing was sent"}));
        return;
    }
    // The history holds what each copy's delivered statement must name before any copy leaves:
    // a statement may come in a later session.
    HistoryMessage kept{.peer = out->to,
                        .outgoing = true,
                        .from = username_,
                        .device = sessions_.own().name,
                        .fingerprint = sessions_.own().fp.hex(),
                        .mid = out->mid_hex,
                        .seq = out->message.seq,
                        .ts = out->message.ts,
                        .recorded_ts = now_ms(),
                        .text = out->message.text,
                        .salt = {},
                        .copies = {}};
    bool recipient_salt = false;
    for (const auto& copy : out->copies) {
        if (!copy.sealed) {
            continue;
        }
        // Each copy has its own salt: the first copy to the recipient is the one disclosed.
        if (kept.salt.empty() || (copy.target.user == out->to && !recipient_salt)) {
            kept.salt = copy.sealed->salt;
            recipient_salt = copy.target.user == out->to;
        }
        HistoryCopy kept_copy;
        kept_copy.to = copy.target.user;
        kept_copy.device = copy.name;
        kept_copy.fingerprint = copy.target.fingerprint;
        kept_copy.envelope_sha256 = copy.sealed->envelope_sha256;
        kept.copies.push_back(std::move(kept_copy));
    }
    if (!kept.copies.empty()) {
        if (auto recorded = history_.record(kept); !recorded) {
            refuse(out->command,
                   {code::evidence, "cannot keep the message in the history (" +
                                        recorded.error().message + "): nothing was sent"});
            return;
        }
    }
    for (std::size_t i = 0; i < out->copies.size(); ++i) {
        auto& copy = out->copies[i];
        if (!copy.sealed) {
            continue;
        }
        ++out->sent;
        record(out->to,
               evidence::conversation::sent_line(out->message.ts, copy.target.user,
                                                 copy.target.fingerprint, copy.sealed->body));
        ask(msg::Relay{.to = copy.target.user,
                       .device = copy.target.fingerprint,
                       .mid = Bytes(out->message.mid.view().begin(), out->message.mid.view().end()),
                       .body = copy.sealed->body},
            [this, out, i](const msg::Answer& answer) { copy_relayed(out, i, answer); });
    }
    if (out->sent == 0) {
        refuse(
            out->command,
            {out->first_recipient_status.empty() ? "no_such_device" : out->first_recipient_status,
             "nothing was sent to " + display_text(out->to) + ": no device could take it"});
    }
}
}  // namespace sc::client

// E2eMessaging: opening, the request queue, /msg, /devices and /trust. Receiving is in
// e2e_receive.cpp, the server's answers to `send` (stored statements, expiry) in e2e_stored.cpp.
#include "client/e2e_outgoing.h"

#include "client/errors_text.h"
#include "common/display_text.h"
#include "common/usernames.h"
#include "e2e/device_trust.h"
#include "evidence/conversation_transcript.h"
#include "proto/limits.h"

namespace sc::client {

namespace msg = proto::msg;

Result<std::unique_ptr<E2eMessaging>, note::Error> E2eMessaging::open(
    const ClientSettings& settings, const ClientCredentials& credentials,
    const std::string& username, const std::vector<pki::Certificate>& server_certs,
    HistoryStore& history, proto::Clock& clock, proto::Entropy& entropy, Host& host) {
    auto failed = [](std::string why) {
        return fail(note::Error{"e2e_unavailable",
                                "end-to-end messages are not available: " + std::move(why)});
    };
    if (credentials.identity.chain.empty() || !credentials.identity.key) {
        return failed("no certificate of this device");
    }
    if (server_certs.empty()) {
        return failed("no certificate of the server");
    }
    const auto now = proto::unix_millis(clock.now());
    auto own = e2e::verify_device(pki::Certificate::chain_to_der(credentials.identity.chain),
                                  username, credentials.trust, now);
    if (!own) {
        return failed(own.error().message);
    }
    auto dir = device_dir(settings, credentials);
    for (const auto& d : {settings.data_dir / "e2e", dir, dir / "conversations"}) {
        if (auto made = ensure_private_dir(d); !made) {
            return failed(made.error().message);
        }
    }
    auto pins = DevicePins::load(dir / "pins.json");
    if (!pins) {
        return failed(pins.error().message);
    }
    auto sessions = e2e::DeviceSessions::open(dir / "state", std::move(own).value(),
                                              *credentials.identity.key, entropy);
    if (!sessions) {
        return failed(sessions.error().message);
    }
    return std::unique_ptr<E2eMessaging>(new E2eMessaging(
        settings, credentials, canonical_username(username), server_certs, history, clock, entropy,
        host, std::move(sessions).value(), std::move(pins).value(), dir));
}

std::filesystem::path E2eMessaging::device_dir(const ClientSettings& settings,
                                               const ClientCredentials& credentials) {
    return settings.data_dir / "e2e" / credentials.identity.chain.front().fingerprint().hex();
}

E2eMessaging::E2eMessaging(const ClientSettings& settings, const ClientCredentials& credentials,
                           std::string username, const std::vector<pki::Certificate>& server_certs,
                           HistoryStore& history, proto::Clock& clock, proto::Entropy& entropy,
                           Host& host, e2e::DeviceSessions sessions, DevicePins pins,
                           std::filesystem::path dir)
    : settings_(settings),
      credentials_(credentials),
      username_(std::move(username)),
      clock_(clock),
      entropy_(entropy),
      host_(host),
      sessions_(std::move(sessions)),
      pins_(std::move(pins)),
      server_certs_(server_certs),
      history_(history),
      log_(dir / "conversations", username_, sessions_.own().fp.hex()) {}

E2eMessaging::~E2eMessaging() = default;

std::uint64_t E2eMessaging::now_ms() const {
    return proto::unix_millis(clock_.now());
}

// ---- commands and requests ----

std::uint64_t E2eMessaging::begin(Completion done) {
    auto n = next_command_++;
    commands_.emplace(n, std::move(done));
    return n;
}

void E2eMessaging::finish(std::uint64_t command, Outcome outcome) {
    auto it = commands_.find(command);
    if (it == commands_.end()) {
        return;
    }
    auto done = std::move(it->second);
    commands_.erase(it);
    host_.complete(std::move(done), std::move(outcome));
}

void E2eMessaging::refuse(std::uint64_t command, note::Error error) {
    host_.notify(error);
    finish(command, fail(std::move(error)));
}

void E2eMessaging::ask(msg::Request request, std::function<void(const msg::Answer&)> then) {
    queue_.push_back(Pending{std::move(request), std::move(then)});
    pump();
}

void E2eMessaging::pump() {
    // One place is left for the controller's own requests (a /friend typed meanwhile).
    while (!stopped_ && !queue_.empty() &&
           host_.others_in_flight() + in_flight_.size() + 1 < proto::kMaxRequestsInFlight) {
        auto pending = std::move(queue_.front());
        queue_.pop_front();
        std::string type(msg::type_name(pending.request));
        auto id = host_.send_request(std::move(pending.request));
        if (!id) {
            return;  // the connection is ending; stop() fails what waits
        }
        in_flight_.emplace(*id, InFlight{std::move(type), Clock::now() + settings_.timeout,
                                         std::move(pending.on_answer)});
    }
}

void E2eMessaging::on_answer(const msg::Answer& answer) {
    auto it = in_flight_.find(msg::request_id(answer));
    if (it == in_flight_.end()) {
        return;
    }
    auto then = std::move(it->second.on_answer);
    in_flight_.erase(it);
    if (!stopped_ && then) {
        then(answer);
    }
    pump();
}

std::optional<std::string> E2eMessaging::overdue(Clock::time_point now) const {
    for (const auto& [id, request] : in_flight_) {
        if (now > request.deadline) {
            return "answer the '" + request.type + "' request";
        }
    }
    return std::nullopt;
}

void E2eMessaging::stop(const note::Error& failure) {
    stopped_ = true;
    queue_.clear();
    in_flight_.clear();
    for (auto& [n, done] : std::exchange(commands_, {})) {
        host_.complete(std::move(done), fail(failure));
    }
}

// ---- prekeys ----

void E2eMessaging::start() {
    refresh_next_expiry();
    check_expiries();  // copies that expired while we were away
    resend_owed_delivered();
    ask(msg::PublishPrekeys{}, [this](const msg::Answer& answer) {
        const auto* status = std::get_if<msg::PrekeyStatus>(&answer);
        if (!status) {
            if (const auto* r = std::get_if<msg::Result>(&answer); r && r->code) {
                auto e = request_error(*r->code, r->message, "");
                host_.notify(
                    note::Error{e.code, "cannot ask the server for our prekeys: " + e.message});
            }
            return;
        }
        auto publish = sessions_.prekeys_to_publish(*status, now_ms());
        if (!publish) {
            host_.notify(note::Error{"e2e_unavailable",
                                     "cannot make our prekeys: " + publish.error().message});
            return;
        }
        if (!publish.value() || !save_state()) {
            return;
        }
        ask(std::move(*publish.value()), [this](const msg::Answer& published) {
            if (const auto* r = std::get_if<msg::Result>(&published); r && r->code) {
                auto e = request_error(*r->code, r->message, "");
                host_.notify(note::Error{e.code, "the server refused our prekeys: " + e.message});
            }
        });
    });
}

bool E2eMessaging::save_state() {
    if (auto saved = sessions_.save(); !saved) {
        host_.notify(note::Error{code::evidence,
                                 "cannot save the end-to-end state: " + saved.error().message});
        return false;
    }
    return true;
}

// ---- pins and warnings ----

bool E2eMessaging::record(const std::string& peer, const std::string& line) {
    if (auto appended = log_.append(peer, line, now_ms()); !appended) {
        host_.notify(note::Error{code::evidence, "cannot record the conversation with " +
                                                     display_text(peer) + ": " +
                                                     appended.error().message});
        return false;
    }
    return true;
}

void E2eMessaging::warn(const std::string& peer, note::Warning warning) {
    record(peer, ConversationLog::warning_line(now_ms(), warning));
    host_.notify(warning);
}

bool E2eMessaging::pin_allows(const e2e::VerifiedDevice& device, bool known_contact,
                              const std::string& conversation_peer) {
    auto check = pins_.check(device, known_contact, now_ms());
    const std::string user = display_text(device.user);
    const std::string name = display_text(device.name);
    const std::string fp = device.fp.hex();
    switch (check.verdict) {
        case PinCheck::Verdict::first_contact:
        case PinCheck::Verdict::known:
            return true;
        case PinCheck::Verdict::added:
            warn(conversation_peer,
                 note::Warning{"device_added", device.user, device.name, "", fp,
                               user + " has a new device '" + name + "' (SHA-256 " + fp +
                                   "); the CA vouches for it: check with " + user +
                                   " if you did not expect it"});
            return true;
        case PinCheck::Verdict::changed:
            if (check.newly_changed) {
                warn(conversation_peer,
                     note::Warning{
                         "device_changed", device.user, device.name, check.old_fingerprint, fp,
                         "the certificate of " + user + "'s device '" + name +
                             "' changed (pinned SHA-256 " + check.old_fingerprint + ", now " + fp +
                             "): nothing goes to or comes from it until you check it "
                             "with " +
                             user + " and type /trust " + user + " " + name});
            }
            return false;
    }
    return false;
}

// ---- /msg ----

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

// ---- /devices and /trust ----

void E2eMessaging::show_devices(std::string user, Completion done) {
    auto command = begin(std::move(done));
    auto name = canonical_username(user);
    ask(msg::ListDevices{.user = name}, [this, command, name](const msg::Answer& answer) {
        note::Devices devices{name, {}};
        if (const auto* pinned = pins_.devices(name)) {
            for (const auto& p : *pinned) {
                devices.devices.push_back({p.name, p.fingerprint, p.first_seen,
                                           p.changed ? "changed" : "trusted",
                                           p.pending_fingerprint});
            }
        }
        if (const auto* list = std::get_if<msg::DeviceList>(&answer)) {
            for (const auto& d : list->devices) {
                bool known = false;
                for (const auto& k : devices.devices) {
                    known = known || k.fingerprint == d.device || k.pending_fingerprint == d.device;
                }
                if (!known) {
                    devices.devices.push_back({d.name, d.device, 0, "unverified", ""});
                }
            }
        } else if (const auto* r = std::get_if<msg::Result>(&answer); r && r->code) {
            refuse(command, request_error(*r->code, r->message, name));
            return;
        }
        host_.notify(devices);
        finish(command, {});
    });
}

void E2eMessaging::trust(std::string user, std::string device, Completion done) {
    auto command = begin(std::move(done));
    auto name = canonical_username(user);
    std::string old_fp, new_fp;
    if (const auto* pinned = pins_.devices(name)) {
        for (const auto& p : *pinned) {
            if (p.name == device) {
                old_fp = p.fingerprint;
                new_fp = p.pending_fingerprint;
            }
        }
    }
    if (auto trusted = pins_.trust(name, device, now_ms()); !trusted) {
        refuse(command, {"not_changed", display_text(trusted.error().message)});
        return;
    }
    if (auto fp = Fingerprint::from_hex(old_fp)) {
        sessions_.drop_sessions(*fp);
    }
    if (auto saved = pins_.save(); !saved) {
        refuse(command, {code::evidence, "cannot save the device pins: " + saved.error().message});
        return;
    }
    save_state();
    std::string peer = name == username_ ? username_ : name;
    if (peer != username_) {
        record(peer, ConversationLog::warning_line(
                         now_ms(), note::Warning{"trusted", name, device, old_fp, new_fp,
                                                 "accepted the changed certificate"}));
    }
    host_.notify(note::Done{"trust", "", name,
                            "accepted the new certificate of " + display_text(name) + "'s device " +
                                display_text(device) + " (SHA-256 " + new_fp + ")"});
    finish(command, {});
}

}  // namespace sc::client

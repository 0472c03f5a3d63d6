// E2eMessaging: opening, the request queue, pins, /devices and /trust. Sending (/msg) is in
// e2e_send.cpp, receiving in e2e_receive.cpp, the server's answers to `send` (stored
// statements, expiry) in e2e_stored.cpp.
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

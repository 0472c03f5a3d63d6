#include "attack/hostile_relay.h"
#include "attack/kind_names.h"

#include <cstdlib>
#include <thread>

#include "attack/played_device.h"
#include "attack/relay_verdicts.h"
#include "common/display_text.h"
#include "common/files.h"
#include "e2e/device_sessions.h"
#include "net/blocking_socket.h"
#include "proto/limits.h"
#include "proto/server_session.h"

namespace sc::attack {
namespace {

using namespace std::chrono_literals;
namespace msg = proto::msg;
using Clock = std::chrono::system_clock;

constexpr KindNames<HostileRelayKind, 8> kNames{{{
    {HostileRelayKind::swap_prekey, "swap-prekey"},
    {HostileRelayKind::swap_device, "swap-device"},
    {HostileRelayKind::replay, "replay"},
    {HostileRelayKind::reorder, "reorder"},
    {HostileRelayKind::drop, "drop"},
    {HostileRelayKind::forge_stored, "forge-stored"},
    {HostileRelayKind::forge_delivered, "forge-delivered"},
    {HostileRelayKind::escapes, "escapes"},
}}};

// What a terminal could be fooled by: a title change (OSC), a screen clear and colours (CSI), a
// C1 CSI asking for the cursor position, a bidi override. The marker shows the text was shown.
constexpr std::string_view kEscapeMarker = "ESCAPE-PROBE";
constexpr std::string_view kEscapedText =
    "\x1b]0;owned by the server\x07\x1b[2J\x1b[31mESCAPE-PROBE\xc2\x9b"
    "6n"
    "\xe2\x80\xae"
    "evil\x1b[0m";
// Not a username: the codec of every message that names a user must refuse it.
constexpr std::string_view kEscapedName = "\x1b[2J\x1b]0;owned\x07mallory";

bool pushes_envelopes(HostileRelayKind kind) {
    return kind == HostileRelayKind::replay || kind == HostileRelayKind::reorder ||
           kind == HostileRelayKind::drop || kind == HostileRelayKind::escapes;
}

bool swaps(HostileRelayKind kind) {
    return kind == HostileRelayKind::swap_prekey || kind == HostileRelayKind::swap_device;
}

bool forges(HostileRelayKind kind) {
    return kind == HostileRelayKind::forge_stored || kind == HostileRelayKind::forge_delivered;
}

// The warning the client must record for each kind whose only reaction is a warning.
std::optional<std::string_view> expected_warning(HostileRelayKind kind) {
    switch (kind) {
        case HostileRelayKind::reorder:
            return "out_of_order";
        case HostileRelayKind::drop:
            return "messages_missing";
        case HostileRelayKind::forge_stored:
            return "bad_stored_statement";
        case HostileRelayKind::forge_delivered:
            return "bad_message_signature";
        default:
            return std::nullopt;
    }
}

proto::Trust trust_of(const HostileServerSetup& setup) {
    return proto::Trust{setup.ca_cert, {}, proto::kDefaultCertificateSkew, false};
}

// A private directory for the played devices' ratchet state, removed afterwards.
class StateDir {
  public:
    StateDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "securechat-attack-XXXXXX");
        if (::mkdtemp(pattern.data()) != nullptr) {
            path_ = pattern;
        }
    }
    ~StateDir() {
        std::error_code ignored;
        if (!path_.empty()) {
            std::filesystem::remove_all(path_, ignored);
        }
    }
    StateDir(const StateDir&) = delete;
    StateDir& operator=(const StateDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// A certificate for the friend's name from a CA that bears the real CA's name, with its key.
Result<PeerDevice> impostor_of(const std::string& user, const pki::Certificate& real_ca) {
    const auto now = Clock::now();
    SC_TRY_ASSIGN(auto other,
                  pki::CertificateAuthority::create_root(
                      real_ca.common_name(), crypto::KeyType::ed25519, now - 1h, now + 24h));
    SC_TRY_ASSIGN(auto key, crypto::PrivateKey::generate(crypto::KeyType::ed25519));
    pki::CertSpec spec;
    spec.profile = pki::Profile::client;
    spec.common_name = user;
    spec.not_before = now - 1h;
    spec.not_after = now + 24h;
    SC_TRY_ASSIGN(auto cert, other.sign(key.public_key(), spec));
    return PeerDevice{{std::move(cert)},
                      std::make_shared<const crypto::PrivateKey>(std::move(key))};
}

class HostileRelay {
  public:
    HostileRelay(HostileRelayKind kind, const HostileServerSetup& setup, PlayedDevice& genuine,
                 const msg::KeyBundle& served, std::ostream& out)
        : kind_(kind), setup_(setup), genuine_(genuine), served_(served), out_(out) {}

    Seen& seen() { return seen_; }

    // One client message's worth of the session's output, answered.
    void handle(proto::ServerSession& session, proto::Output& out) {
        for (std::size_t i = 0; i < out.events.size(); ++i) {
            proto::Output more;
            auto& event = out.events[i];
            if (auto* done = std::get_if<proto::event::HandshakeDone>(&event)) {
                seen_.chain = done->peer_certs;
            } else if (auto* login = std::get_if<proto::event::LoginRequested>(&event)) {
                seen_.user = login->username;
                out_ << "  the client logged in as " << display_text(login->username)
                     << " (any password is taken)\n";
                more =
                    session.accept_auth({.username = login->username}, msg::AuthAction::logged_in);
            } else if (auto* asked = std::get_if<proto::event::RequestReceived>(&event)) {
                more = answer(session, asked->request);
            } else if (auto* error = std::get_if<proto::event::PeerError>(&event)) {
                seen_.refused = error->code;
                out_ << "  the client refused it and ended the session: "
                     << display_text(error->code) << " (\"" << display_text(error->message)
                     << "\")\n";
            }
            out.append(std::move(more));
        }
    }

  private:
    proto::Output answer(proto::ServerSession& session, const msg::Request& request) {
        const auto id = msg::request_id(request);
        const auto& peer = genuine_.device().user;
        if (const auto* keys = std::get_if<msg::PublishPrekeys>(&request)) {
            if (keys->spk_id != 0) {
                seen_.spk = *keys;
            }
            one_time_left_ += keys->one_time.size();
            auto out = session.answer(msg::PrekeyStatus{.id = id,
                                                        .spk_id = seen_.spk ? seen_.spk->spk_id : 0,
                                                        .spk_ts = seen_.spk ? seen_.spk->spk_ts : 0,
                                                        .one_time_left = one_time_left_});
            if (pushes_envelopes(kind_) && seen_.spk && !seen_.pushed) {
                out.append(mishandled(session));
            }
            return out;
        }
        if (std::holds_alternative<msg::ListFriends>(request)) {
            return session.answer(msg::FriendList{
                .id = id, .friends = {peer}, .online = {peer}, .incoming = {}, .outgoing = {}});
        }
        if (const auto* d = std::get_if<msg::ListDevices>(&request)) {
            msg::DeviceList list{.id = id, .user = d->user, .devices = {}};
            if (d->user == peer) {
                list.devices.push_back({.device = served_.device, .name = "default"});
            }
            return session.answer(std::move(list));
        }
        if (const auto* b = std::get_if<msg::FetchBundle>(&request)) {
            if (b->user == peer && b->device == served_.device) {
                if (!seen_.fetched && swaps(kind_)) {
                    out_ << "  the client fetched " << display_text(peer) << "'s bundle: served it "
                         << served_what() << "\n";
                }
                seen_.fetched = true;
                auto bundle = served_;
                bundle.id = id;
                return session.answer(std::move(bundle));
            }
            return session.answer(msg::Result{
                .id = id, .code = proto::ErrorCode::no_such_device, .message = "no such device"});
        }
        if (const auto* send = std::get_if<msg::Relay>(&request);
            send && send->device == served_.device) {
            return relayed(session, *send);
        }
        if (const auto* r = std::get_if<msg::Received>(&request)) {
            seen_.received += r->held.size();
            if (kind_ == HostileRelayKind::escapes && !seen_.name_pushed) {
                return escaped_name(session, id);
            }
        }
        return ok(session, id);
    }

    static proto::Output ok(proto::ServerSession& session, std::uint64_t id) {
        return session.answer(msg::Result{.id = id, .code = std::nullopt, .message = ""});
    }

    // A send to the friend's device: counted, and for the forge kinds answered with a forgery.
    proto::Output relayed(proto::ServerSession& session, const msg::Relay& send) {
        auto parsed = e2e::parse_envelope(send.body);
        const bool statement = parsed && parsed->kind == e2e::ParsedEnvelope::Kind::delivered;
        ++seen_.sent_to_served;
        seen_.delivered_statements += statement ? 1 : 0;
        out_ << "  the client sent " << (statement ? "a delivered statement" : "an envelope")
             << " of " << send.body.size() << " bytes to " << display_text(send.to)
             << "'s device\n";
        if (statement || !forges(kind_) || seen_.forged) {
            return ok(session, send.id);
        }
        seen_.forged = true;
        if (kind_ == HostileRelayKind::forge_stored) {
            const auto now = unix_ms_now();
            auto random = entropy_.random(64);
            Bytes sig = random ? std::move(random).value() : Bytes(64, 0x5a);
            out_ << "  answered it with a stored statement whose signature is not the "
                    "server's\n";
            return session.answer(msg::Stored{.id = send.id,
                                              .held = 1,
                                              .ts = now,
                                              .expires = now + 7 * 24 * 3'600'000ULL,
                                              .sig = std::move(sig)});
        }
        auto out = ok(session, send.id);
        auto delivered = genuine_.delivered_for(send.body, seen_.user, trust_of(setup_));
        if (!delivered) {
            out_ << "  cannot make the friend's delivered statement: " << delivered.error().message
                 << "\n";
            return out;
        }
        auto forged = std::move(delivered).value();
        forged.back() ^= 0x01;  // the last byte is the friend's signature's
        out_ << "  pushed back the friend's delivered statement for it, one bit of its signature "
                "flipped\n";
        out.append(session.push(msg::Envelope{.from = genuine_.device().user,
                                              .device = genuine_.device().fp.hex(),
                                              .mid = send.mid,
                                              .held = 1,
                                              .ts = unix_ms_now(),
                                              .body = std::move(forged)}));
        return out;
    }

    // The client holds the friend's text: now a friend request from a "name" of escapes.
    proto::Output escaped_name(proto::ServerSession& session, std::uint64_t id) {
        seen_.name_pushed = true;
        auto out = ok(session, id);
        out_ << "  pushed a friend request from the name \"" << display_text(kEscapedName)
             << "\"\n";
        out.append(session.push(msg::FriendEvent{.event = msg::FriendEventKind::request,
                                                 .user = std::string(kEscapedName)}));
        return out;
    }

    std::string served_what() const {
        return kind_ == HostileRelayKind::swap_prekey
                   ? "with a prekey the friend never signed"
                   : "with a certificate for that name from another CA";
    }

    // The friend's genuine envelopes for the client, mishandled: one pushed twice (replay), two
    // pushed in the wrong order (reorder), the second of three never pushed (drop).
    proto::Output mishandled(proto::ServerSession& session) {
        seen_.pushed = true;
        msg::KeyBundle theirs{
            .id = 0,
            .user = seen_.user,
            .device = seen_.chain.empty() ? "" : seen_.chain.front().fingerprint().hex(),
            .cert = pki::Certificate::chain_to_der(seen_.chain),
            .spk_id = seen_.spk->spk_id,
            .spk = seen_.spk->spk,
            .spk_ts = seen_.spk->spk_ts,
            .spk_sig = seen_.spk->spk_sig,
            .otk_id = 0,
            .otk = {},
            .otk_ts = 0,
            .otk_sig = {}};
        const std::size_t count = kind_ == HostileRelayKind::reorder ? 2
                                  : kind_ == HostileRelayKind::drop  ? 3
                                                                     : 1;
        std::vector<msg::Envelope> sealed;
        for (std::size_t n = 1; n <= count; ++n) {
            const auto text = kind_ == HostileRelayKind::escapes
                                  ? std::string(kEscapedText)
                                  : "message " + std::to_string(n) + " of " +
                                        std::to_string(count) + " from the friend";
            auto envelope = genuine_.seal_for(theirs, seen_.user, trust_of(setup_), text, n);
            if (!envelope) {
                out_ << "  cannot seal the friend's envelope: " << envelope.error().message << "\n";
                return {};
            }
            sealed.push_back(std::move(envelope).value());
        }
        std::vector<msg::Envelope> pushed;
        const auto& friend_name = display_text(genuine_.device().user);
        if (kind_ == HostileRelayKind::escapes) {
            pushed = {sealed[0]};
            out_ << "  pushed a genuine envelope from " << friend_name
                 << " whose text holds escape sequences: \"" << display_text(kEscapedText)
                 << "\"\n";
        } else if (kind_ == HostileRelayKind::replay) {
            pushed = {sealed[0], sealed[0]};
            out_ << "  pushed one genuine envelope from " << friend_name << " twice\n";
        } else if (kind_ == HostileRelayKind::reorder) {
            pushed = {sealed[1], sealed[0]};
            out_ << "  pushed two genuine envelopes from " << friend_name
                 << " in the wrong order (2, then 1)\n";
        } else {
            pushed = {sealed[0], sealed[2]};
            out_ << "  pushed genuine envelopes 1 and 3 of 3 from " << friend_name
                 << ", and dropped 2\n";
        }
        proto::Output out;
        std::uint64_t held = 0;
        for (auto& envelope : pushed) {
            envelope.held = ++held;  // each a stored copy of its own
            out.append(session.push(std::move(envelope)));
        }
        return out;
    }

    HostileRelayKind kind_;
    const HostileServerSetup& setup_;
    PlayedDevice& genuine_;
    const msg::KeyBundle& served_;
    std::ostream& out_;
    Seen seen_;
    std::uint64_t one_time_left_ = 0;
    proto::SystemEntropy entropy_;
};

// Serves the one client until it leaves or patience runs out.
Status serve(const HostileServerSetup& setup, const proto::Identity& identity,
             HostileRelay& relay) {
    auto listener = net::BlockingListener::listen_on_loopback();
    if (!listener) {
        return fail("cannot listen: " + listener.error().message);
    }
    if (setup.listening) {
        setup.listening(listener->port());
    }
    auto socket = listener->accept(setup.patience);
    if (!socket) {
        return fail("no client connected: " + socket.error().message);
    }
    proto::SystemClock clock;
    proto::SystemEntropy entropy;
    proto::ServerConfig config{.identity = identity, .trust = trust_of(setup)};
    proto::ServerSession session(config, clock, entropy);
    const auto deadline = std::chrono::steady_clock::now() + setup.patience;
    while (std::chrono::steady_clock::now() < deadline) {
        auto bytes = socket->read_some(1s);
        if (!bytes && bytes.error().kind == net::IoError::Kind::timed_out) {
            continue;
        }
        if (!bytes || bytes->empty()) {
            return {};  // the client left
        }
        auto out = session.receive(*bytes);
        relay.handle(session, out);
        for (const auto& wire : out.send) {
            if (auto written = socket->write_all(wire, 5s); !written) {
                return {};
            }
        }
        if (out.close) {
            socket->linger_close(5s);
            return {};
        }
    }
    return {};
}

}  // namespace

std::string_view hostile_relay_kind_name(HostileRelayKind kind) {
    return kNames.name(kind);
}

std::optional<HostileRelayKind> hostile_relay_kind_from(std::string_view name) {
    return kNames.from(name);
}

Result<Verdict> run_hostile_relay(HostileRelayKind kind, const HostileServerSetup& setup,
                                  const RelayOptions& options, std::ostream& out) {
    if (!setup.ca) {
        return fail(std::string(hostile_relay_kind_name(kind)) +
                    " needs --ca-dir: a compromised server holds a genuine certificate");
    }
    if (expected_warning(kind) && options.client_data.empty()) {
        return fail(std::string(hostile_relay_kind_name(kind)) +
                    " needs --client-data, the client's data directory: its reaction is a "
                    "warning, which it records in its conversation transcript (and shows), and "
                    "nothing of which reaches a server");
    }
    if (kind == HostileRelayKind::escapes && options.client_output.empty()) {
        return fail(
            "escapes needs --client-output, the file the client's line-mode output (chat "
            "--plain or --json) goes to: what reaches a screen is seen only there");
    }
    StateDir state;
    if (state.path().empty()) {
        return fail("cannot make a directory for the played devices' state");
    }
    SC_TRY_ASSIGN(auto identity, genuine_server_identity(setup));
    SC_TRY_ASSIGN(auto genuine,
                  PlayedDevice::open(options.peer.chain, options.peer.key, state.path()));
    const auto& user = genuine->device().user;
    std::unique_ptr<PlayedDevice> impostor;
    msg::KeyBundle served = genuine->bundle();
    if (kind == HostileRelayKind::swap_prekey) {
        served.spk = served.otk;  // a real X25519 key, but not the one the friend signed
    } else if (kind == HostileRelayKind::swap_device) {
        SC_TRY_ASSIGN(auto other, impostor_of(user, setup.ca_cert));
        SC_TRY_ASSIGN(impostor, PlayedDevice::open(other.chain, other.key, state.path()));
        served = impostor->bundle();
    }
    out << "  playing " << display_text(user) << "'s device "
        << genuine->device().fp.hex().substr(0, 16) << "… as the friend of whoever logs in\n";
    const auto started = unix_ms_now();
    HostileRelay relay(kind, setup, *genuine, served, out);
    SC_TRY(serve(setup, identity, relay));
    const auto& seen = relay.seen();
    if (seen.user.empty() || seen.chain.empty()) {
        return fail("the client did not log in");
    }
    if (swaps(kind)) {
        if (!seen.fetched) {
            return fail("the client fetched no bundle of " + display_text(user) + ": send " +
                        display_text(user) + " a message from it while this runs");
        }
        return swapped_verdict(seen, out);
    }
    if (pushes_envelopes(kind) && !seen.pushed) {
        return fail("the client published no signed prekey, so nothing could be sealed for it");
    }
    if (forges(kind) && !seen.forged) {
        return fail("the client sent " + display_text(user) +
                    " no message to forge a statement "
                    "for: send one from it while this runs");
    }
    if (kind == HostileRelayKind::escapes) {
        return screen_verdict(seen, options.client_output, kEscapeMarker, out);
    }
    if (kind == HostileRelayKind::replay) {
        out << "  the client said received for " << seen.received << " stored copies and signed "
            << seen.delivered_statements << " delivered statement(s) for the one message\n";
        if (seen.delivered_statements == 1) {
            return Verdict{true, "duplicate_dropped"};
        }
        return Verdict{false,
                       seen.delivered_statements == 0 ? "no delivered statement" : "taken twice"};
    }
    return warning_verdict(*expected_warning(kind), options.client_data,
                           seen.chain.front().fingerprint().hex(), user, started, out);
}

}  // namespace sc::attack

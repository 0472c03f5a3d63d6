#include "scripted_server.h"

#include "proto/wire/framer.h"

#include <stdexcept>

#include "testing/storing_owner.h"

namespace sc::test {
namespace {

namespace msg = proto::msg;
constexpr std::chrono::milliseconds kTimeout{10'000};

net::BlockingListener listen() {
    auto listening = net::BlockingListener::listen_on_loopback();
    if (!listening) {
        throw std::runtime_error(listening.error().message);
    }
    return std::move(listening).value();
}

std::string describe(const msg::Request& request) {
    return std::visit(
        [](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            std::string text(T::kType);
            if constexpr (std::is_same_v<T, msg::FriendCommand>) {
                text += " " + std::string(msg::wire_name(m.op)) + " " + m.user;
            } else if constexpr (std::is_same_v<T, msg::UserCommand>) {
                text += " " + std::string(msg::wire_name(m.op)) + " " + m.user;
            } else if constexpr (std::is_same_v<T, msg::UserAdd>) {
                text += " " + m.email + " " + m.username;
            } else if constexpr (std::is_same_v<T, msg::ListDevices>) {
                text += " " + m.user;
            } else if constexpr (std::is_same_v<T, msg::FetchBundle>) {
                text += " " + m.user + " " + m.device;
            } else if constexpr (std::is_same_v<T, msg::Relay>) {
                text += " " + m.to + " " + m.device;
            }
            return text;
        },
        request);
}

ServerLog serve_one(net::BlockingListener& listener, proto::ServerConfig config, proto::Role role,
                    ScriptedBehaviour behaviour, Script script) {
    ServerLog log;
    try {
        auto accepted = listener.accept(kTimeout);
        if (!accepted) {
            throw std::runtime_error(accepted.error().message);
        }
        auto conn = std::move(accepted).value();
        proto::SystemClock clock;
        proto::SystemEntropy entropy;
        proto::ServerSession session(std::move(config), clock, entropy);
        msg::PrekeyStatus held;          // what answer_prekeys keeps
        proto::FrameReader held_frames;  // records that arrived while a request was unanswered
        std::size_t held_records = 0;
        bool closed = false;
        while (!closed) {
            auto chunk = conn.read_some(kTimeout);
            if (!chunk) {
                throw std::runtime_error(chunk.error().message);
            }
            if (chunk->empty()) {
                break;
            }
            if (behaviour.held_input == HeldInput::hang_up && session.request_pending()) {
                held_frames.feed(*chunk);
                while (std::holds_alternative<proto::Frame>(held_frames.next())) {
                    ++held_records;
                }
                if (held_records > behaviour.held_records_allowed) {
                    log.hung_up = true;
                    break;
                }
            }
            auto out = behaviour.acknowledge_messages ? receive_storing(session, *chunk)
                                                      : session.receive(*chunk);
            for (std::size_t i = 0; i < out.events.size(); ++i) {
                proto::Output more;
                if (auto* login = std::get_if<proto::event::LoginRequested>(&out.events[i])) {
                    more = session.accept_auth({.username = login->username, .role = role},
                                               msg::AuthAction::logged_in);
                } else if (auto* asked =
                               std::get_if<proto::event::RequestReceived>(&out.events[i])) {
                    auto request = std::move(asked->request);
                    if (auto* keys = std::get_if<msg::PublishPrekeys>(&request);
                        keys && behaviour.answer_prekeys) {
                        if (keys->spk_id != 0) {
                            held.spk_id = keys->spk_id;
                            held.spk_ts = keys->spk_ts;
                        }
                        held.one_time_left += keys->one_time.size();
                        held.id = keys->id;
                        out.append(session.answer(held));
                        continue;
                    }
                    log.requests.push_back(describe(request));
                    if (auto* add = std::get_if<msg::UserAdd>(&request)) {
                        log.user_add_password = add->password.reveal_text(crypto::SecretAccess{});
                    }
                    more = script(session, request);
                }
                out.append(std::move(more));
            }
            for (const auto& frame : out.send) {
                if (auto written = conn.write_all(frame, kTimeout); !written) {
                    throw std::runtime_error(written.error().message);
                }
            }
            closed = out.close;
        }
        conn.linger_close(kTimeout);
    } catch (const std::exception& e) {
        log.error = e.what();
    }
    return log;
}

}  // namespace

ScriptedServer::ScriptedServer(const TestCa& ca, Script script, proto::Role role,
                               ScriptedBehaviour behaviour)
    : listener_(listen()),
      log_(std::async(std::launch::async, serve_one, std::ref(listener_),
                      proto::ServerConfig{.identity = ca.client("server"), .trust = ca.trust()},
                      role, behaviour, std::move(script))) {}

ScriptedServer::~ScriptedServer() {
    if (log_.valid()) {
        log_.wait();
    }
}

ServerLog ScriptedServer::log() {
    return log_.get();
}

proto::Output answer_ok(proto::ServerSession& session, const proto::msg::Request& request,
                        std::string message) {
    return session.answer(msg::Result{
        .id = msg::request_id(request), .code = std::nullopt, .message = std::move(message)});
}

}  // namespace sc::test

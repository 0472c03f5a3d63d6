#include "harness.h"

#include <deque>

namespace sc::proto::test {

ClientConfig client_config(const TestPki& pki) {
    return ClientConfig{.identity = pki.client, .trust = pki.trust(), .server_name = "server"};
}

ServerConfig server_config(const TestPki& pki) {
    return ServerConfig{.identity = pki.server, .trust = pki.trust()};
}

std::string Events::transcript() const {
    std::string out;
    for (const auto& t : of<event::TranscriptAppend>()) {
        out += t.text;
    }
    return out;
}

std::string Events::failure() const {
    auto failed = of<event::Failed>();
    return failed.empty() ? "" : failed.front().error.text();
}

std::optional<pki::CertError> Events::cert_error() const {
    auto failed = of<event::Failed>();
    return failed.empty() ? std::nullopt : failed.front().error.cert_error;
}

Pair::Pair(const TestPki& pki) : Pair(client_config(pki), server_config(pki)) {}

Pair::Pair(ClientConfig client_cfg, ServerConfig server_cfg) {
    client = std::make_unique<ClientSession>(std::move(client_cfg), client_clock, entropy);
    server = std::make_unique<ServerSession>(std::move(server_cfg), server_clock, entropy);
}

void Pair::deliver(Output first, Side first_from) {
    std::deque<std::pair<Output, Side>> queue;
    queue.emplace_back(std::move(first), first_from);
    while (!queue.empty()) {
        auto [out, from] = std::move(queue.front());
        queue.pop_front();
        if (from == Side::server && auto_store) {
            out = ::sc::test::acknowledge_every_store(*server, std::move(out));
        }
        auto& events = from == Side::client ? client_events : server_events;
        for (auto& e : out.events) {
            if (from == Side::server && auto_accept) {
                if (auto* reg = std::get_if<event::RegisterRequested>(&e)) {
                    queue.emplace_back(
                        server->accept_auth(
                            proto::Principal{.username = reg->username, .role = accept_role},
                            proto::msg::AuthAction::registered),
                        Side::server);
                } else if (auto* login = std::get_if<event::LoginRequested>(&e)) {
                    queue.emplace_back(
                        server->accept_auth(
                            proto::Principal{.username = login->username, .role = accept_role},
                            proto::msg::AuthAction::logged_in),
                        Side::server);
                }
            }
            events.all.push_back(std::move(e));
        }
        for (auto& frame : out.send) {
            (from == Side::client ? c2s_frames : s2c_frames).push_back(frame);
            if (tamper && !tamper(from, frame)) {
                continue;
            }
            if (from == Side::client && !server_closed) {
                queue.emplace_back(server->receive(frame), Side::server);
            } else if (from == Side::server && !client_closed) {
                queue.emplace_back(client->receive(frame), Side::client);
            }
        }
        if (out.close) {
            (from == Side::client ? client_closed : server_closed) = true;
        }
    }
}

void Pair::handshake() {
    deliver(client->start(), Side::client);
}

void Pair::login_and_chat() {
    handshake();
    deliver(client->login("alice", crypto::SecretBytes(as_bytes("correct horse"))), Side::client);
}

}  // namespace sc::proto::test

#include "fuzz_pki.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <variant>

#include "proto/limits.h"
#include "testing/storing_owner.h"

namespace sc::fuzz {
namespace {

using std::chrono::sys_days;
using std::chrono::system_clock;
using std::chrono::year;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "fuzz_pki: %s\n", what.c_str());
    std::abort();
}

// Cuts `stream` into the pieces that receive() gets (see make_stream_input).
std::vector<ByteView> split(ByteView stream, std::uint8_t chunking) {
    std::vector<ByteView> chunks;
    std::size_t at = 0;
    while (at < stream.size()) {
        std::size_t rest = stream.size() - at;
        std::size_t n = chunking;
        if (chunking == 0) {
            n = rest;
            if (rest >= proto::kFrameHeaderBytes) {
                const std::uint8_t* p = stream.data() + at;
                std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) |
                                     (std::size_t{p[2]} << 8) | std::size_t{p[3]};
                if (length > 0 && length <= proto::kMaxFramePayload &&
                    proto::kFrameHeaderBytes + length <= rest) {
                    n = proto::kFrameHeaderBytes + length;
                }
            }
        }
        n = std::min(n, rest);
        chunks.push_back(stream.subspan(at, n));
        at += n;
    }
    return chunks;
}

// Records what `out` says and checks the invariants every output must keep.
void observe(const proto::Output& out, bool finished, RunResult& result) {
    for (const auto& e : out.events) {
        if (std::holds_alternative<proto::event::HandshakeDone>(e)) {
            result.handshake_done = true;
        } else if (std::holds_alternative<proto::event::ChatReady>(e)) {
            result.chat_ready = true;
        } else if (std::holds_alternative<proto::event::ReceiptsExchanged>(e)) {
            result.receipts_exchanged = true;
        } else if (const auto* failed = std::get_if<proto::event::Failed>(&e)) {
            if (result.failure.empty()) {
                result.failure = failed->error.text();
            }
            // A failure always asks to close, and the session takes nothing more.
            if (!out.close || !finished) {
                die("a Failed event without close: " + failed->error.text());
            }
        }
    }
    if (out.close && !finished) {
        die("the session asked to close but is not finished");
    }
    result.finished = finished;
}

template <class Session, class Drive>
RunResult run(Session& session, proto::Output first, ByteView input, Drive drive) {
    RunResult result;
    if (input.empty()) {
        return result;
    }
    auto scenario = (input[0] & 0x80) != 0 ? Scenario::server_closes : Scenario::client_closes;
    auto chunking = static_cast<std::uint8_t>(input[0] & 0x7f);
    drive(session, first, scenario);
    observe(first, session.finished(), result);
    for (ByteView chunk : split(input.subspan(1), chunking)) {
        auto out = session.receive(chunk);
        if (result.finished) {
            // A finished session ignores everything that follows.
            if (!out.send.empty() || !out.events.empty() || out.close) {
                die("a finished session reacted to more input");
            }
            break;
        }
        drive(session, out, scenario);
        observe(out, session.finished(), result);
    }
    return result;
}

}  // namespace

system_clock::time_point fixed_now() {
    return system_clock::time_point(sys_days{year{2026} / 1 / 1});
}

const FuzzPki& fuzz_pki() {
    return test::deterministic_pki();
}

proto::ClientConfig fuzz_client_config() {
    const auto& pki = fuzz_pki();
    return proto::ClientConfig{
        .identity = pki.client, .trust = pki.trust(), .server_name = "server"};
}

proto::ServerConfig fuzz_server_config() {
    const auto& pki = fuzz_pki();
    return proto::ServerConfig{.identity = pki.server, .trust = pki.trust()};
}

void drive_client(proto::ClientSession& client, proto::Output& out, Scenario scenario) {
    // Reactions append to out.events, so walk it by index.
    for (std::size_t i = 0; i < out.events.size(); ++i) {
        proto::Output more;
        const auto& e = out.events[i];
        if (std::holds_alternative<proto::event::HandshakeDone>(e)) {
            more = client.login("alice", crypto::SecretBytes(as_bytes("correct horse")));
        } else if (std::holds_alternative<proto::event::ChatReady>(e)) {
            more.append(client.send_text("hello 1"));
            more.append(client.send_text("hello 2 \xc3\xa9\xe2\x82\xac"));
        } else if (const auto* acked = std::get_if<proto::event::Acknowledged>(&e)) {
            if (acked->seqno == 2) {
                more.append(client.rekey());
                more.append(client.send_text("hello 3, queued during the rekey"));
            }
        } else if (const auto* rekeyed = std::get_if<proto::event::Rekeyed>(&e)) {
            if (rekeyed->epoch == 2 && scenario == Scenario::client_closes) {
                more = client.close();
            }
        }
        out.append(std::move(more));
    }
}

void drive_server(proto::ServerSession& server, proto::Output& out, Scenario scenario) {
    out = ::sc::test::acknowledge_every_store(server, std::move(out));  // every message is stored
    for (std::size_t i = 0; i < out.events.size(); ++i) {
        proto::Output more;
        const auto& e = out.events[i];
        if (const auto* reg = std::get_if<proto::event::RegisterRequested>(&e)) {
            more = server.accept_auth(proto::Principal{.username = reg->username},
                                      proto::msg::AuthAction::registered);
        } else if (const auto* login = std::get_if<proto::event::LoginRequested>(&e)) {
            more = server.accept_auth(proto::Principal{.username = login->username},
                                      proto::msg::AuthAction::logged_in);
        } else if (std::holds_alternative<proto::event::ChatReady>(e)) {
            more = server.send_text("welcome");
        } else if (const auto* received = std::get_if<proto::event::MessageReceived>(&e)) {
            if (received->seqno == 2) {
                more = server.request_rekey();
            } else if (received->seqno == 3 && scenario == Scenario::server_closes) {
                more = server.close();
            }
        }
        out.append(std::move(more));
    }
}

Bytes make_stream_input(Scenario scenario, std::uint8_t chunking, ByteView stream) {
    Bytes input;
    input.push_back(static_cast<std::uint8_t>((scenario == Scenario::server_closes ? 0x80 : 0) |
                                              (chunking & 0x7f)));
    input.insert(input.end(), stream.begin(), stream.end());
    return input;
}

RunResult run_server(ByteView input) {
    FixedClock clock(fixed_now());
    DeterministicEntropy entropy("server");
    proto::ServerSession server(fuzz_server_config(), clock, entropy);
    return run(server, proto::Output{}, input, drive_server);
}

RunResult run_client(ByteView input) {
    FixedClock clock(fixed_now());
    DeterministicEntropy entropy("client");
    proto::ClientSession client(fuzz_client_config(), clock, entropy);
    auto first = client.start();
    return run(client, std::move(first), input, drive_client);
}

}  // namespace sc::fuzz

#include "attack/flood.h"
#include "attack/kind_names.h"

#include <thread>

#include "attack/server_answer.h"
#include "net/blocking_socket.h"
#include "proto/limits.h"

namespace sc::attack {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr KindNames<FloodKind, 4> kNames{{{
    {FloodKind::oversized_frame, "oversized-frame"},
    {FloodKind::garbage_frame, "garbage-frame"},
    {FloodKind::slowloris, "slowloris"},
    {FloodKind::connections, "connections"},
}}};

Bytes header(std::uint32_t length) {
    return {static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
            static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
}

Verdict verdict_of(const ServerAnswer& answer) {
    return {answer.closed, answer.error_code.value_or("closed")};
}

// Connects, or says why not (the verdict cannot be reached: the server is not there).
std::optional<net::BlockingSocket> open(const Target& target, std::ostream& out) {
    auto socket = net::BlockingSocket::connect(target.host, target.port);
    if (!socket) {
        out << "  cannot connect to " << target.text() << ": " << socket.error().message << "\n";
        return std::nullopt;
    }
    return std::move(socket).value();
}

Verdict send_then_watch(const Target& target, const Bytes& bytes, const std::string& what,
                        const FloodOptions& options, std::ostream& out) {
    auto socket = open(target, out);
    if (!socket) {
        return {false, "no connection"};
    }
    out << "  sent: " << what << "\n";
    if (auto sent = socket->write_all(bytes, 5s); !sent) {
        out << "  (the write failed: " << sent.error().message << ")\n";
    }
    auto answer = read_answer(*socket, options.patience);
    out << "  server: " << answer.describe() << "\n";
    return verdict_of(answer);
}

Verdict oversized(const Target& target, const FloodOptions& options, std::ostream& out) {
    constexpr std::uint32_t kDeclared = 0x7fffffff;
    Bytes bytes = header(kDeclared);
    bytes.resize(bytes.size() + 1024, '{');  // the start of a body that would never end
    return send_then_watch(target, bytes,
                           "a frame header declaring " + std::to_string(kDeclared) +
                               " bytes (the limit is " + std::to_string(proto::kMaxFramePayload) +
                               "), then 1024 of them",
                           options, out);
}

Verdict garbage(const Target& target, const FloodOptions& options, std::ostream& out) {
    const std::string junk = "\x01\x02 this is not JSON \xff\xfe";
    Bytes bytes = header(static_cast<std::uint32_t>(junk.size()));
    bytes.insert(bytes.end(), junk.begin(), junk.end());
    return send_then_watch(
        target, bytes,
        "one well-framed payload of " + std::to_string(junk.size()) + " bytes that is not JSON",
        options, out);
}

Verdict slowloris(const Target& target, const FloodOptions& options, std::ostream& out) {
    auto socket = open(target, out);
    if (!socket) {
        return {false, "no connection"};
    }
    const std::string hello = R"({"type":"hello","versions":[1],"groups":["x25519"],"nonce":")" +
                              std::string(43, 'A') + R"(=","certs":[]})";
    Bytes bytes = header(static_cast<std::uint32_t>(hello.size()));
    bytes.insert(bytes.end(), hello.begin(), hello.end());
    out << "  sent: a " << bytes.size() << "-byte hello, one byte every "
        << options.byte_interval.count() << " ms (it would take "
        << static_cast<long long>(bytes.size()) * options.byte_interval.count() / 1000 << " s)\n";
    const auto start = Clock::now();
    std::size_t sent = 0;
    for (; sent < bytes.size() && Clock::now() - start < options.patience; ++sent) {
        if (!socket->write_all(ByteView(bytes).subspan(sent, 1), 5s)) {
            break;  // the server closed: the read below says how
        }
        auto answer = read_answer(*socket, options.byte_interval);
        if (!answer.closed && !answer.frame_types.empty()) {
            // Its error frame came within this interval; its close may come just after.
            auto rest = read_answer(*socket, 5s);
            answer.frame_types.insert(answer.frame_types.end(), rest.frame_types.begin(),
                                      rest.frame_types.end());
            answer.closed = rest.closed;
            answer.after += rest.after;
        }
        if (answer.closed || !answer.frame_types.empty()) {
            auto elapsed =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
            out << "  server: after " << sent + 1 << " bytes and " << elapsed.count()
                << " ms: " << answer.describe() << "\n";
            return verdict_of(answer);
        }
    }
    auto answer = read_answer(*socket, 2s);
    out << "  server: after " << sent << " bytes: " << answer.describe() << "\n";
    return verdict_of(answer);
}

Verdict connections(const Target& target, const FloodOptions& options, std::ostream& out) {
    std::vector<net::BlockingSocket> open_sockets;
    std::size_t refused = 0;
    for (std::size_t i = 0; i < options.connections; ++i) {
        auto socket = net::BlockingSocket::connect(target.host, target.port);
        if (socket) {
            open_sockets.push_back(std::move(socket).value());
        } else {
            ++refused;
        }
    }
    out << "  sent: " << options.connections << " connections that never speak (" << refused
        << " refused at connect)\n";
    // Each is watched until the server ends it, all within the patience in total.
    const auto start = Clock::now();
    std::size_t closed = 0;
    std::size_t with_error = 0;
    std::chrono::milliseconds last{0};
    std::string first_code;
    for (auto& socket : open_sockets) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(options.patience -
                                                                          (Clock::now() - start));
        auto answer = read_answer(socket, std::max(left, std::chrono::milliseconds(1)));
        if (answer.closed) {
            ++closed;
            last = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
            if (answer.error_code) {
                ++with_error;
                first_code = first_code.empty() ? *answer.error_code : first_code;
            }
        }
    }
    out << "  server: closed " << closed << " of " << open_sockets.size() << " (" << with_error
        << " with an error frame" << (first_code.empty() ? "" : ", " + first_code)
        << "), the last after " << last.count() << " ms; " << open_sockets.size() - closed
        << " still open\n";
    return {closed == open_sockets.size(), first_code.empty() ? "closed" : first_code};
}

}  // namespace

std::string_view flood_kind_name(FloodKind kind) {
    return kNames.name(kind);
}

std::optional<FloodKind> flood_kind_from(std::string_view name) {
    return kNames.from(name);
}

std::vector<FloodKind> all_flood_kinds() {
    return kNames.all();
}

Verdict run_flood(FloodKind kind, const Target& target, const FloodOptions& options,
                  std::ostream& out) {
    switch (kind) {
        case FloodKind::oversized_frame:
            return oversized(target, options, out);
        case FloodKind::garbage_frame:
            return garbage(target, options, out);
        case FloodKind::slowloris:
            return slowloris(target, options, out);
        case FloodKind::connections:
            return connections(target, options, out);
    }
    return {};
}

}  // namespace sc::attack

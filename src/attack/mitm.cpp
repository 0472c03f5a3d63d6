#include "attack/mitm.h"
#include "attack/kind_names.h"

#include <poll.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/display_text.h"
#include "crypto/random.h"
#include "net/blocking_socket.h"
#include "proto/wire/framer.h"

namespace sc::attack {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr KindNames<MitmKind, 2> kNames{{{
    {MitmKind::swap_share, "swap-share"},
    {MitmKind::drop_group, "drop-group"},
}}};

// One direction of the relay: frames cut from what it read, changed or not, written on.
struct Direction {
    const char* name;  // "client → server"
    net::BlockingSocket* from;
    net::BlockingSocket* to;
    proto::FrameReader reader;
    bool closed = false;
    std::size_t records = 0;
    std::optional<std::string> error;  // the first error frame's code and message
};

// The frame as relayed: changed when it is the one this attack changes.
Bytes relayed(MitmKind kind, const proto::Frame& frame, std::ostream& out) {
    auto j = json::parse(frame.payload_text(), nullptr, false);
    if (!j.is_object()) {
        return frame.wire();
    }
    const auto type = j.value("type", "");
    if (kind == MitmKind::swap_share && type == "dh_server" && j.contains("share")) {
        auto share = base64_decode(j["share"].get<std::string>()).value_or(Bytes{});
        auto random = crypto::random_bytes(share.size());
        const Bytes ours = random ? *random : Bytes(share.size(), 0x42);
        j["share"] = base64_encode(ours);
        out << "  changed: dh_server's " << share.size()
            << "-byte share replaced by the attacker's own (the signature left as it was)\n";
        return proto::make_frame(j.dump()).wire();
    }
    if (kind == MitmKind::drop_group && type == "hello" && j.contains("groups") &&
        j["groups"].is_array() && j["groups"].size() > 1) {
        auto dropped = j["groups"].back().get<std::string>();
        j["groups"].erase(j["groups"].size() - 1);
        out << "  changed: hello's offer without " << display_text(dropped) << " (now "
            << display_text(j["groups"].dump()) << ")\n";
        return proto::make_frame(j.dump()).wire();
    }
    return frame.wire();
}

// Reads what `d.from` has, relays each whole frame; false when that side has closed.
bool pump(Direction& d, MitmKind kind, std::ostream& out) {
    auto bytes = d.from->read_some(std::chrono::milliseconds(0));
    if (!bytes && bytes.error().kind == net::IoError::Kind::timed_out) {
        return true;
    }
    if (!bytes || bytes->empty()) {
        d.closed = true;
        out << "  " << d.name << ": closed\n";
        return false;
    }
    d.reader.feed(*bytes);
    while (true) {
        auto next = d.reader.next();
        auto* frame = std::get_if<proto::Frame>(&next);
        if (frame == nullptr) {
            break;
        }
        auto j = json::parse(frame->payload_text(), nullptr, false);
        const auto type = j.is_object() ? j.value("type", "?") : std::string("?");
        if (type == "record") {
            ++d.records;
        } else {
            out << "  " << d.name << ": " << display_text(type) << "\n";
        }
        if (type == "error" && !d.error) {
            d.error = display_text(j.value("code", "")) + " (\"" +
                      display_text(j.value("message", "")) + "\")";
        }
        auto wire = relayed(kind, *frame, out);
        if (!d.to->write_all(wire, std::chrono::seconds(5))) {
            d.closed = true;
            return false;
        }
    }
    return true;
}

}  // namespace

std::string_view mitm_kind_name(MitmKind kind) {
    return kNames.name(kind);
}

std::optional<MitmKind> mitm_kind_from(std::string_view name) {
    return kNames.from(name);
}

Result<Verdict> run_mitm(MitmKind kind, const Target& server, const MitmOptions& options,
                         std::ostream& out) {
    auto listener = net::BlockingListener::listen_on_loopback();
    if (!listener) {
        return fail("cannot listen: " + listener.error().message);
    }
    if (options.listening) {
        options.listening(listener->port());
    }
    auto client = listener->accept(options.patience);
    if (!client) {
        return fail("no client connected: " + client.error().message);
    }
    auto upstream = net::BlockingSocket::connect(server.host, server.port);
    if (!upstream) {
        return fail("cannot connect to " + server.text() + ": " + upstream.error().message);
    }
    out << "  a client connected; relaying it to " << server.text() << "\n";
    Direction c2s{"client → server", &*client, &*upstream, {}, false, 0, {}};
    Direction s2c{"server → client", &*upstream, &*client, {}, false, 0, {}};
    const auto deadline = Clock::now() + options.patience;
    while (!c2s.closed && !s2c.closed && Clock::now() < deadline) {
        std::array<pollfd, 2> fds{{{client->fd(), POLLIN, 0}, {upstream->fd(), POLLIN, 0}}};
        if (::poll(fds.data(), fds.size(), 100) < 0) {
            break;
        }
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            pump(c2s, kind, out);
        }
        if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            pump(s2c, kind, out);
        }
    }
    out << "  records relayed: " << c2s.records << " from the client, " << s2c.records
        << " from the server\n";
    const bool completed = c2s.records > 0 && s2c.records > 0;
    if (completed) {
        return Verdict{false, "the handshake completed through the attacker"};
    }
    const auto& noticed = c2s.error ? c2s.error : s2c.error;
    const char* who = c2s.error ? "the client" : "the server";
    if (noticed) {
        out << "  " << who << " refused: " << *noticed << "\n";
        return Verdict{true, noticed->substr(0, noticed->find(' '))};
    }
    return Verdict{c2s.closed || s2c.closed, "closed"};
}

}  // namespace sc::attack

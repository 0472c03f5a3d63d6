// Store and forward (docs/PROTOCOL.md §2.4, issue 12): the stored envelopes of this session's
// device go out as `envelope` pushes, and `received` deletes them. The store is the only
// source: a router hint (a `send` committed one for this device) only makes the session read
// again. One read is on the query workers at a time, and a hint that comes meanwhile makes it
// read once more afterwards, so pushes keep `held` order and none goes twice in one session;
// the ids in flight are skipped by the next read. A session that ends leaves its envelopes
// stored, for the device's next session. The logs count envelopes and bytes: never a body, a
// mid, or who sent it.
#include <chrono>
#include <utility>

#include "server/connection.h"
#include "server/log.h"

namespace sc::server {

using proto::ErrorCode;

namespace {

// What an `envelope` push of `body_bytes` takes in the outbox: its body in base64 inside the
// inner JSON, sealed, and that again in base64 inside the record's JSON, plus the fields.
std::size_t frame_estimate(std::size_t body_bytes) {
    const std::size_t inner = (body_bytes + 2) / 3 * 4 + 512;
    return (inner + 16 + 2) / 3 * 4 + 512;
}

std::uint64_t unix_ms(const proto::Clock& clock) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
            .count());
}

}  // namespace

// At chat-ready: from now on the router wakes this session for its device (the certificate it
// logged in with), and what the device has stored goes out at once.
void Connection::attach_route() {
    if (route_handle_ != 0 || !peer_) {
        return;
    }
    auto weak = weak_from_this();
    route_handle_ = ctx_.router->attach(
        username_,
        [weak, strand = strand_, device = peer_->fingerprint().hex()](const Delivery& d) {
            if (d.to_device != device) {
                return false;
            }
            asio::post(strand, [weak] {
                if (auto self = weak.lock()) {
                    self->guarded("deliver", [&] { self->pump_held(); });
                }
            });
            return true;
        });
    pump_held();
}

void Connection::pump_held() {
    if (closed_ || closing() || route_handle_ == 0 || !peer_ || !session_) {
        return;
    }
    if (held_reading_) {
        held_read_again_ = true;
        return;
    }
    if (held_in_flight_.size() >= proto::kMaxHeldInFlight) {
        return;  // the next `received` makes room
    }
    const auto& principal = session().principal();
    SC_CHECK(principal.has_value());
    held_reading_ = true;
    held_read_again_ = false;
    auto self = shared_from_this();
    const std::size_t room = proto::kMaxHeldInFlight - held_in_flight_.size();
    bool queued = ctx_.queries.submit<store::StoreResult<std::vector<store::HeldEnvelope>>>(
        strand_,
        [self, account = principal->account_id, device = peer_->fingerprint().hex(),
         skip = in_flight_ids(), room] {
            return self->ctx_.store->held_for(account, device, skip, room,
                                              unix_ms(*self->ctx_.clock));
        },
        [self](store::StoreResult<std::vector<store::HeldEnvelope>> read) {
            self->guarded("deliver", [&] { self->on_held(std::move(read)); });
        });
    if (!queued) {
        held_reading_ = false;
        held_retry_ = true;  // the workers are busy: the watchdog tries again
    }
}

void Connection::on_held(store::StoreResult<std::vector<store::HeldEnvelope>> read) {
    held_reading_ = false;
    if (closed_ || closing()) {
        return;  // they stay stored: the device's next session gets them
    }
    if (!read) {
        held_retry_ = true;
        log::event(log::Level::warn, "held_read_failed",
                   {{"conn", conn()}, {"user", username_}, {"reason", read.error().message}});
        return;
    }
    std::size_t pushed = 0;
    std::size_t bytes = 0;
    // Half the outbox for the window, the rest for everything else the session says; one
    // envelope always goes (the largest fits the outbox alone).
    const std::size_t budget = ctx_.settings.limits.max_outbound_bytes / 2;
    for (auto& held : *read) {
        const std::size_t frame = frame_estimate(held.body.size());
        if (held_in_flight_.size() >= proto::kMaxHeldInFlight ||
            held_in_flight_.contains(held.held) ||
            (!held_in_flight_.empty() && held_in_flight_bytes_ + frame > budget)) {
            break;  // in `held` order: the rest waits for the next read
        }
        held_in_flight_.emplace(held.held, frame);
        held_in_flight_bytes_ += frame;
        ++pushed;
        bytes += held.body.size();
        handle(session().push(proto::msg::Envelope{
            std::move(held.from_user), std::move(held.from_fingerprint), std::move(held.mid),
            held.held, held.stored_ms, std::move(held.body)}));
        if (closed_ || closing()) {
            return;
        }
    }
    if (pushed > 0) {
        ctx_.metrics.count(Counter::envelopes_pushed, {}, pushed);
        // Counts and sizes only: neither a body nor a mid reaches the log, nor who sent it.
        log::event(log::Level::info, "envelopes_pushed",
                   {{"conn", conn()},
                    {"user", username_},
                    {"envelopes", std::to_string(pushed)},
                    {"bytes", std::to_string(bytes)},
                    {"in_flight", std::to_string(held_in_flight_.size())}});
    }
    if (held_read_again_) {
        pump_held();
    }
}

std::vector<std::uint64_t> Connection::in_flight_ids() const {
    std::vector<std::uint64_t> ids;
    ids.reserve(held_in_flight_.size());
    for (const auto& entry : held_in_flight_) {
        ids.push_back(entry.first);
    }
    return ids;
}

void Connection::on_delivery(const Delivery&) {
    pump_held();
}

// The device holds these durably: delete them (its own only), answer once committed, and push
// more into the room they leave.
void Connection::on_request(proto::msg::Received& m) {
    const auto& principal = session().principal();
    SC_CHECK(principal.has_value() && peer_.has_value());
    auto self = shared_from_this();
    bool queued = ctx_.queries.submit<store::StoreResult<std::size_t>>(
        strand_,
        [self, account = principal->account_id, device = peer_->fingerprint().hex(),
         held = m.held] { return self->ctx_.store->release_envelopes(account, device, held); },
        [self, id = m.id, held = m.held](store::StoreResult<std::size_t> released) {
            self->guarded("received", [&] {
                if (!released) {
                    const bool down = released.error().code == store::StoreErrorCode::unavailable;
                    log::event(log::Level::warn, "received_failed",
                               {{"conn", self->conn()},
                                {"user", self->username_},
                                {"envelopes", std::to_string(held.size())},
                                {"reason", released.error().message}});
                    self->answer_result(id, down ? ErrorCode::unavailable : ErrorCode::internal,
                                        down ? "the message store is unavailable; say received "
                                               "again"
                                             : "internal server error");
                    return;
                }
                for (std::uint64_t h : held) {
                    if (auto it = self->held_in_flight_.find(h);
                        it != self->held_in_flight_.end()) {
                        self->held_in_flight_bytes_ -= it->second;
                        self->held_in_flight_.erase(it);
                    }
                }
                self->ctx_.metrics.count(Counter::envelopes_released, {}, *released);
                log::event(log::Level::info, "envelopes_received",
                           {{"conn", self->conn()},
                            {"user", self->username_},
                            {"named", std::to_string(held.size())},
                            {"deleted", std::to_string(*released)}});
                self->answer_result(id, std::nullopt);
                self->pump_held();
            });
        });
    if (!queued) {
        answer_result(m.id, ErrorCode::unavailable, "the server is busy; say received again");
    }
}

}  // namespace sc::server

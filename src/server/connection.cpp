#include "server/connection.h"

#include "server/log.h"

namespace sc::server {
namespace {

using namespace std::chrono_literals;

net::FramedConnection::Options transport_options(const ServerContext& ctx) {
    const auto& limits = ctx.settings.limits;
    return {.read_chunk = limits.read_chunk,
            .max_outbound_bytes = limits.max_outbound_bytes,
            .tick = 1s,
            .linger = true,
            .clock = ctx.steady_clock.get()};
}

proto::ServerConfig session_config(const ServerContext& ctx) {
    const auto& sec = ctx.settings.security;
    proto::ServerConfig config{.identity = ctx.identity, .trust = *ctx.current_trust()};
    config.ts_window = sec.ts_window;
    config.allowed_client_names = sec.allowed_client_names;
    config.rekey_after_records = sec.rekey_after_records;
    config.rekey_after = sec.rekey_after;
    config.groups.clear();
    for (const auto& name : sec.groups) {
        if (auto g = crypto::parse_dh_group(name)) {  // validate() refused unknown names
            config.groups.push_back(*g);
        }
    }
    return config;
}

}  // namespace

Connection::Connection(ServerContext& ctx, asio::ip::tcp::socket socket, std::string address,
                       std::string block)
    : ctx_(ctx),
      strand_(asio::make_strand(ctx.io)),
      transport_(strand_, std::move(socket), *this, transport_options(ctx)),
      address_(std::move(address)),
      block_(std::move(block)),
      id_(ctx.next_id++),
      started_(ctx.steady_clock->now()),
      last_activity_(started_) {
    ++ctx_.connections;
}

Connection::~Connection() {
    ctx_.admission.release(id_);
    if (counted_) {
        ctx_.sessions_by_account.release(account_);
        ctx_.sessions_by_block.release(block_);
    }
    leave_presence(true);  // once: after the end of serve() this does nothing
    if (route_handle_ != 0) {
        ctx_.router->detach(username_, route_handle_);
    }
    ctx_.logged_in.remove(id_);
    ctx_.remove(id_);
    --ctx_.connections;  // last: graceful_stop waits for this to reach zero
}

proto::ServerSession& Connection::session() {
    if (!session_) {
        // The trust is read now, when the peer's first bytes (its hello) arrive, not at
        // accept; the version tells on_bytes whether a reload happened since (L3).
        trust_version_ = ctx_.trust_version();
        session_.emplace(session_config(ctx_), *ctx_.clock, ctx_.entropy);
    }
    return *session_;
}

// A bug or a peer-triggered throw must end this connection only (L1): log it, try to tell the
// peer, and close.
void Connection::fail_internally(std::string_view where, std::string_view what) {
    log::event(log::Level::error, "connection_error",
               {{"conn", conn()},
                {"peer", address_},
                {"user", username_},
                {"client_fp", client_fp_},
                {"where", std::string(where)},
                {"reason", std::string(what)}});
    end_reason_ = "internal error in " + std::string(where);
    try {
        if (!closing()) {
            handle(session().terminate(proto::ErrorCode::internal, "internal server error"));
        }
    } catch (...) {
        transport_.discard_outbox();
    }
    transport_.finish();
    if (transport_.hard_deadline() == Clock::time_point::max()) {
        transport_.tighten_hard_deadline(now() + ctx_.settings.limits.shutdown_grace);
    }
}

void Connection::start(std::optional<Refusal> refusal) {
    ctx_.add(id_, weak_from_this());
    log::event(log::Level::info, "connection_opened", {{"conn", conn()}, {"peer", address_}});
    bool refused = refusal.has_value();
    asio::co_spawn(strand_, serve(shared_from_this(), std::move(refusal)), asio::detached);
    // graceful_stop sets `stopping` before it lists the live connections: one that registered
    // too late for the list sees the flag here.
    if (!refused && ctx_.stopping) {
        shutdown(now() + ctx_.settings.limits.shutdown_grace);
    }
}

asio::awaitable<void> Connection::serve(std::shared_ptr<Connection> self,
                                        std::optional<Refusal> refusal) {
    (void)self;
    if (refusal) {
        // Before any read, so not a byte of the peer's is processed.
        end_reason_ = refusal->reason;
        guarded("refuse", [&] { handle(session().terminate(refusal->code, refusal->reason)); });
    }
    co_await transport_.run();
    closed_ = true;
    ctx_.logged_in.remove(id_);  // at once too: `who` and a sweep see only live sessions
    leave_presence();            // the friends learn at once, not when the last reference goes
    if (route_handle_ != 0) {
        ctx_.router->detach(username_, route_handle_);  // no envelope is offered to it any more
    }
    log::event(log::Level::info, "connection_closed",
               {{"conn", conn()},
                {"user", username_},
                {"client_fp", client_fp_},
                {"reason", end_reason_}});
}

void Connection::on_bytes(ByteView bytes) {
    last_activity_ = now();
    guarded("receive", [&] { receive(bytes); });
}

void Connection::on_stream_error(net::FramedConnection::Side side, const asio::error_code& ec) {
    if (side == net::FramedConnection::Side::write) {
        end_reason_ = "write error: " + ec.message();
    } else {
        end_reason_ =
            ec == asio::error::eof ? "peer closed the connection" : "read error: " + ec.message();
    }
}

namespace {

// Before the client has proved it holds its certificate's key (its dh_client signature).
bool before_key_proof(proto::ServerSession::Phase phase) {
    return phase == proto::ServerSession::Phase::waiting_hello ||
           phase == proto::ServerSession::Phase::waiting_dh_client;
}

}  // namespace

void Connection::receive(ByteView bytes) {
    auto& s = session();
    bool before_hello = s.phase() == proto::ServerSession::Phase::waiting_hello;
    handle(s.receive(bytes));
    if (client_fp_.empty() && s.client()) {
        client_fp_ = s.client()->leaf().fingerprint_text();
    }
    // Evictable until the client has proved it holds its certificate's key (dh_client): a
    // `hello` alone costs an attacker nothing, since certificates are public.
    if (!heard_ && !before_key_proof(s.phase())) {
        heard_ = true;
        ctx_.admission.heard(id_);
    }
    if (before_hello && s.client() && trust_version_ != ctx_.trust_version()) {
        recheck_now();  // the CRL was reloaded between our first byte and the hello
    }
}

void Connection::on_hard_deadline() {
    if (!closing()) {
        end_reason_ = close_reason_.empty() ? "peer did not finish closing"
                                            : close_reason_ + ": peer did not finish closing";
    }
}

void Connection::on_tick(Clock::time_point now) {
    guarded("watchdog", [&] { watchdog_tick(now); });
}

void Connection::watchdog_tick(Clock::time_point now) {
    if (closing()) {
        return;  // the writer flushes; the hard deadline bounds it
    }
    if (held_retry_) {
        held_retry_ = false;  // a store read that failed: once a tick, until one succeeds
        pump_held();
    }
    const auto& limits = ctx_.settings.limits;
    if (now >= receipt_deadline_) {
        end_reason_ = close_reason_ + ": no receipt from the peer in time";
        log::event(log::Level::warn, "close_unanswered",
                   {{"conn", conn()},
                    {"user", username_},
                    {"client_fp", client_fp_},
                    {"reason", close_reason_}});
        handle(session().terminate(close_code_,
                                   close_reason_ + "; the client sent no receipt in time"));
        return;
    }
    if ((!session_ || before_key_proof(session_->phase())) &&
        now - started_ > limits.hello_timeout) {
        end_reason_ = "hello timeout";
        handle(session().terminate(proto::ErrorCode::timeout,
                                   "no hello and dh_client within " +
                                       std::to_string(limits.hello_timeout.count()) + " s"));
        return;
    }
    if (username_.empty() && now - started_ > limits.handshake_timeout) {
        end_reason_ = "handshake timeout";
        handle(session().terminate(proto::ErrorCode::timeout,
                                   "the handshake and login took longer than " +
                                       std::to_string(limits.handshake_timeout.count()) + " s"));
        return;
    }
    if (receipt_deadline_ == Clock::time_point::max() &&
        now - last_activity_ > limits.idle_timeout) {
        // As SIGTERM does: our receipt, a bounded wait for the peer's, then `error timeout`.
        log::event(log::Level::info, "idle_timeout",
                   {{"conn", conn()}, {"user", username_}, {"client_fp", client_fp_}});
        begin_close("idle timeout", proto::ErrorCode::timeout, now + limits.shutdown_grace);
        return;
    }
    if (peer_ && ctx_.clock->now() > peer_->not_after()) {
        begin_close("peer certificate expired", proto::ErrorCode::bad_certificate,
                    now + limits.shutdown_grace);
    }
}

void Connection::begin_close(std::string reason, proto::ErrorCode code, Clock::time_point deadline,
                             bool say_why) {
    auto now = this->now();
    auto budget = deadline > now ? deadline - now : Clock::duration::zero();
    auto receipt_by = now + budget * 3 / 4;
    if (closed_ || closing() || receipt_deadline_ != Clock::time_point::max()) {
        // Already ending: only ever tighten the deadlines.
        receipt_deadline_ = std::min(receipt_deadline_, receipt_by);
        transport_.tighten_hard_deadline(deadline);
        return;
    }
    end_reason_ = reason;
    close_reason_ = std::move(reason);
    close_code_ = code;
    receipt_deadline_ = receipt_by;
    transport_.tighten_hard_deadline(deadline);  // was max: not yet ending
    auto& s = session();
    if (s.phase() == proto::ServerSession::Phase::chat) {
        // Our receipt; the peer's is awaited until receipt_deadline_.
        handle(say_why ? s.end_session(code, close_reason_) : s.close());
    } else {
        handle(s.terminate(code, close_reason_));
    }
    transport_.recheck_deadlines();
}

void Connection::handle(proto::Output out) {
    // The send path is validate (the session did), store, acknowledge, notify. The transcript
    // lines of an output are written (write(2); fsync comes with the receipts) before its
    // frames are queued, and a client message's ack is not among those frames: the session
    // holds it, and the input after it, until acknowledge_stored() says its line is written.
    // If a line cannot be written the session ends here (L4) instead, its `error` taking the
    // ack's record: the client holds no ack for a message we did not store, and no receipt
    // is signed over it.
    proto::Output all;
    for (;;) {
        auto problem = store_evidence(out);
        all.append(std::move(out));
        if (problem) {
            all.append(session().terminate(problem->code, problem->reason));
            all.close = true;
            break;
        }
        auto seqno = session().store_pending();
        if (!seqno) {
            break;
        }
        out = session().acknowledge_stored(*seqno);  // the ack, then the input buffered after it
    }
    out = std::move(all);
    for (auto& frame : out.send) {
        if (!transport_.send(std::move(frame))) {  // over max_outbound_bytes: dropped
            end_reason_ = "peer is not reading (outbound queue full)";
            return;
        }
    }
    for (auto& event : out.events) {
        on_event(event);
    }
    if (out.close && !closing()) {
        transport_.finish();
        transport_.tighten_hard_deadline(now() + ctx_.settings.limits.shutdown_grace);
    }
}

void Connection::on_event(proto::Event& event) {
    using namespace proto::event;
    std::visit(
        [this](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, HandshakeDone>) {
                on_handshake_done(e);
            } else if constexpr (std::is_same_v<T, LoginRequested>) {
                start_login(std::move(e.username), std::move(e.password));
            } else if constexpr (std::is_same_v<T, RegisterRequested>) {
                start_register(std::move(e.email), std::move(e.username), std::move(e.password));
            } else if constexpr (std::is_same_v<T, MessageReceived>) {
                ctx_.metrics.count(Counter::chat_messages);
                // Identifiers and sizes only: message bodies never reach the log.
                log::event(log::Level::info, "message_received",
                           {{"conn", conn()},
                            {"user", username_},
                            {"client_fp", client_fp_},
                            {"seqno", std::to_string(e.seqno)},
                            {"bytes", std::to_string(e.text.size())}});
            } else if constexpr (std::is_same_v<T, RequestReceived>) {
                on_request(e.request);
            } else if constexpr (std::is_same_v<T, ReceiptsExchanged>) {
                save_receipts(e);
            } else if constexpr (std::is_same_v<T, Failed>) {
                end_reason_ = e.error.text();
                ctx_.metrics.count(Counter::sessions_failed,
                                   {{"code", proto::error_code_name(e.error.code)}});
                log::event(log::Level::warn, "session_failed",
                           {{"conn", conn()},
                            {"peer", address_},
                            {"user", username_},
                            {"client_fp", client_fp_},
                            {"code", std::string(proto::error_code_name(e.error.code))},
                            {"reason", e.error.message}});
            } else if constexpr (std::is_same_v<T, Rekeyed>) {
                ctx_.metrics.count(Counter::rekeys);
            } else if constexpr (std::is_same_v<T, PeerError>) {
                end_reason_ = "peer error " + e.code;
            } else if constexpr (std::is_same_v<T, ChatReady>) {
                attach_route();  // before join_presence, which uses its handle
                join_presence();
                log::event(log::Level::info, "chat_ready",
                           {{"conn", conn()},
                            {"user", username_},
                            {"client_fp", client_fp_},
                            {"epoch", std::to_string(e.epoch)}});
            }
        },
        event);
}

void Connection::on_handshake_done(const proto::event::HandshakeDone& e) {
    peer_ = e.peer;
    client_fp_ = e.peer.fingerprint_text();
    ctx_.metrics.count(Counter::handshakes, {{"outcome", "ok"}});
    log::event(log::Level::info, "handshake_done",
               {{"conn", conn()},
                {"client_cn", e.peer.common_name()},
                {"client_fp", client_fp_},
                {"session", to_hex(e.session_id).substr(0, 16)}});
}

void Connection::shutdown(Clock::time_point deadline) {
    auto self = shared_from_this();
    asio::post(strand_, [self, deadline] {
        self->guarded("shutdown", [&] {
            if (!self->closed_) {
                self->begin_close("server shutting down", proto::ErrorCode::shutting_down,
                                  deadline);
            }
        });
    });
}

void Connection::evict() {
    auto self = shared_from_this();
    asio::post(strand_, [self] {
        // It may have proved its key since the admission table chose it.
        if (self->closed_ || self->closing() || self->heard_) {
            return;
        }
        self->end_reason_ = "evicted: no key proof while the admission table was full";
        log::event(log::Level::info, "connection_evicted",
                   {{"conn", self->conn()}, {"peer", self->address_}});
        self->transport_.drop();
    });
}

}  // namespace sc::server

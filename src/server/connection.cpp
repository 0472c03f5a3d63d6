#include "server/connection.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include "common/files.h"
#include "pki/verify.h"
#include "server/log.h"

namespace sc::server {
namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

proto::ServerConfig session_config(const ServerContext& ctx) {
    const auto& sec = ctx.settings.security;
    proto::ServerConfig config{.identity = ctx.identity, .trust = *ctx.current_trust()};
    config.ts_window = sec.ts_window;
    config.allowed_client_names = sec.allowed_client_names;
    config.rekey_after_records = sec.rekey_after_records;
    config.rekey_after = sec.rekey_after;
    return config;
}

std::string fingerprint_prefix(const pki::Certificate& cert) {
    return cert.fingerprint_text().substr(0, 23);
}

// What a user sees for each account failure. Unknown user and wrong password share one text.
proto::ErrorCode to_protocol(store::AuthErrorCode code) {
    switch (code) {
        case store::AuthErrorCode::wrong_credentials:
        case store::AuthErrorCode::account_disabled:
            return proto::ErrorCode::auth_failed;
        case store::AuthErrorCode::unavailable:
            return proto::ErrorCode::unavailable;
        case store::AuthErrorCode::internal:
            return proto::ErrorCode::internal;
        default:
            return proto::ErrorCode::registration_failed;
    }
}

}  // namespace

Connection::Connection(ServerContext& ctx, asio::ip::tcp::socket socket, std::string address,
                       bool admitted)
    : ctx_(ctx),
      strand_(asio::make_strand(ctx.io)),
      socket_(std::move(socket)),
      wake_(strand_),
      address_(std::move(address)),
      id_(ctx.next_id++),
      unauthenticated_slot_(admitted),
      session_(session_config(ctx), ctx.clock, ctx.entropy),
      started_(std::chrono::steady_clock::now()),
      last_activity_(started_) {
    ++ctx_.connections;
}

Connection::~Connection() {
    if (unauthenticated_slot_) {
        ctx_.release_unauthenticated(address_);
    }
    if (route_handle_ != 0) {
        ctx_.router.detach(username_, route_handle_);
    }
    --ctx_.connections;
    ctx_.remove(id_);
}

void Connection::start(std::optional<Refusal> refusal) {
    ctx_.add(id_, weak_from_this());
    if (refusal) {
        // Before any coroutine runs, so not a byte of the peer's is processed.
        end_reason_ = refusal->reason;
        handle(session_.terminate(refusal->code, refusal->reason));
    }
    log::event(log::Level::info, "connection_opened",
               {{"conn", std::to_string(id_)}, {"peer", address_}});
    auto self = shared_from_this();
    asio::co_spawn(
        strand_,
        [self]() -> asio::awaitable<void> {
            co_await (self->reader() || self->writer() || self->watchdog());
            asio::error_code ignored;
            if (self->closing_) {
                co_await self->linger();
            }
            self->socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
            self->socket_.close(ignored);
            self->closed_ = true;
            log::event(log::Level::info, "connection_closed",
                       {{"conn", std::to_string(self->id_)},
                        {"user", self->username_},
                        {"reason", self->end_reason_}});
        },
        asio::detached);
}

asio::awaitable<void> Connection::reader() {
    std::vector<std::uint8_t> buffer(ctx_.settings.limits.read_chunk);
    while (!closing_) {
        auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buffer), kNoThrow);
        if (ec) {
            if (!closing_) {
                end_reason_ = ec == asio::error::eof ? "peer closed the connection"
                                                     : "read error: " + ec.message();
            }
            co_return;
        }
        last_activity_ = std::chrono::steady_clock::now();
        handle(session_.receive(ByteView(buffer.data(), n)));
    }
    // Closing: keep the reader parked so the writer can flush; the writer ends the race.
    asio::steady_timer park(strand_, std::chrono::steady_clock::time_point::max());
    co_await park.async_wait(kNoThrow);
}

// We end the connection: send FIN, then read and discard briefly before closing, so the kernel
// does not answer unread input with a reset that would destroy the error frame we just sent.
asio::awaitable<void> Connection::linger() {
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    auto drain = [this]() -> asio::awaitable<void> {
        std::array<std::uint8_t, 4096> sink{};
        while (true) {
            auto [ec, n] = co_await socket_.async_read_some(asio::buffer(sink), kNoThrow);
            (void)n;
            if (ec) {
                co_return;
            }
        }
    };
    asio::steady_timer limit(strand_, std::chrono::milliseconds(500));
    co_await (drain() || limit.async_wait(kNoThrow));
}

asio::awaitable<void> Connection::writer() {
    while (true) {
        while (!outbox_.empty()) {
            Bytes frame = std::move(outbox_.front());
            outbox_.pop_front();
            outbox_bytes_ -= frame.size();
            auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(frame), kNoThrow);
            (void)n;
            if (ec) {
                end_reason_ = "write error: " + ec.message();
                co_return;
            }
        }
        if (closing_) {
            co_return;
        }
        wake_.expires_at(std::chrono::steady_clock::time_point::max());
        co_await wake_.async_wait(kNoThrow);
    }
}

asio::awaitable<void> Connection::watchdog() {
    asio::steady_timer timer(strand_);
    const auto& limits = ctx_.settings.limits;
    while (true) {
        timer.expires_after(std::chrono::seconds(1));
        co_await timer.async_wait(kNoThrow);
        auto now = std::chrono::steady_clock::now();
        if (closing_) {
            // A peer that never reads must not keep a closing connection forever.
            if (now - last_activity_ > limits.shutdown_grace) {
                end_reason_ = "peer did not finish closing";
                co_return;
            }
            continue;
        }
        if (username_.empty() && now - started_ > limits.handshake_timeout) {
            end_reason_ = "handshake timeout";
            handle(session_.terminate(proto::ErrorCode::timeout,
                                      "the handshake and login took longer than " +
                                          std::to_string(limits.handshake_timeout.count()) + " s"));
            continue;
        }
        if (now - last_activity_ > limits.idle_timeout) {
            end_reason_ = "idle timeout";
            co_return;
        }
        if (peer_ && std::chrono::system_clock::now() > peer_->not_after()) {
            end_reason_ = "peer certificate expired";
            handle(session_.close());
            continue;
        }
    }
}

void Connection::wake_writer() {
    wake_.cancel();
}

void Connection::handle(proto::Output out) {
    for (auto& frame : out.send) {
        if (outbox_bytes_ + frame.size() > ctx_.settings.limits.max_outbound_bytes) {
            end_reason_ = "peer is not reading (outbound queue full)";
            closing_ = true;
            outbox_.clear();
            outbox_bytes_ = 0;
            socket_.close();
            return;
        }
        outbox_bytes_ += frame.size();
        outbox_.push_back(std::move(frame));
    }
    for (auto& event : out.events) {
        on_event(event);
    }
    if (out.close) {
        closing_ = true;
    }
    wake_writer();
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
                // Identifiers and sizes only: message bodies never reach the log.
                log::event(log::Level::info, "message_received",
                           {{"conn", std::to_string(id_)},
                            {"user", username_},
                            {"seqno", std::to_string(e.seqno)},
                            {"bytes", std::to_string(e.text.size())}});
            } else if constexpr (std::is_same_v<T, TranscriptAppend>) {
                append_transcript(e.text);
            } else if constexpr (std::is_same_v<T, ReceiptsExchanged>) {
                save_receipts(e);
            } else if constexpr (std::is_same_v<T, Failed>) {
                end_reason_ = e.error.text();
                log::event(log::Level::warn, "session_failed",
                           {{"conn", std::to_string(id_)},
                            {"peer", address_},
                            {"code", std::string(proto::error_code_name(e.error.code))},
                            {"reason", e.error.message}});
            } else if constexpr (std::is_same_v<T, PeerError>) {
                end_reason_ = "peer error " + e.code;
            } else if constexpr (std::is_same_v<T, ChatReady>) {
                log::event(log::Level::info, "chat_ready",
                           {{"conn", std::to_string(id_)},
                            {"user", username_},
                            {"epoch", std::to_string(e.epoch)}});
            }
        },
        event);
}

void Connection::on_handshake_done(const proto::event::HandshakeDone& e) {
    peer_ = e.peer;
    log::event(log::Level::info, "handshake_done",
               {{"conn", std::to_string(id_)},
                {"client_cn", e.peer.common_name()},
                {"client_fp", fingerprint_prefix(e.peer)},
                {"session", to_hex(e.session_id).substr(0, 16)}});
    auto files =
        evidence::SessionFiles::create(ctx_.settings.data_dir / "transcripts", e.session_id);
    if (files) {
        files_.emplace(std::move(files).value());
    } else {
        log::event(log::Level::error, "transcript_unavailable",
                   {{"conn", std::to_string(id_)}, {"reason", files.error().message}});
    }
}

void Connection::append_transcript(const std::string& text) {
    if (!files_) {
        return;
    }
    if (auto appended = files_->append(text); !appended) {
        log::event(log::Level::error, "transcript_write_failed",
                   {{"conn", std::to_string(id_)}, {"reason", appended.error().message}});
    }
}

void Connection::save_receipts(const proto::event::ReceiptsExchanged& e) {
    end_reason_ = "session ended with receipts";
    if (!files_ || !peer_) {
        return;
    }
    auto saved = files_->save_receipts(e.own, e.peer, session_.channel()->session_id(),
                                       ctx_.identity.chain.front(), *peer_);
    log::event(saved ? log::Level::info : log::Level::error, "receipts_saved",
               {{"conn", std::to_string(id_)},
                {"user", username_},
                {"transcript_sha256", e.transcript_sha256},
                {"result", saved ? "ok" : saved.error().message}});
}

void Connection::start_login(std::string username, crypto::SecretBytes password) {
    if (auto wait = ctx_.throttle.blocked(username, address_, std::chrono::steady_clock::now())) {
        log::event(log::Level::warn, "login_throttled",
                   {{"conn", std::to_string(id_)}, {"peer", address_}, {"user", username}});
        handle(session_.reject_auth(
            proto::ErrorCode::throttled,
            "too many failed logins; try again in " + std::to_string(wait->count()) + " s"));
        return;
    }
    if (ctx_.queued_auth.fetch_add(1) >= ctx_.settings.limits.max_queued_auth) {
        --ctx_.queued_auth;
        handle(session_.reject_auth(proto::ErrorCode::unavailable,
                                    "the server is busy; try again shortly"));
        return;
    }
    auth_in_flight_ = true;
    auto self = shared_from_this();
    asio::post(ctx_.workers,
               [self, username = std::move(username), password = std::move(password)]() mutable {
                   auto result = self->ctx_.accounts.login(username, password);
                   --self->ctx_.queued_auth;
                   asio::post(self->strand_,
                              [self, username = std::move(username), result = std::move(result)]() {
                                  self->finish_auth(username, "logged_in", result);
                              });
               });
}

void Connection::start_register(std::string email, std::string username,
                                crypto::SecretBytes password) {
    if (ctx_.queued_auth.fetch_add(1) >= ctx_.settings.limits.max_queued_auth) {
        --ctx_.queued_auth;
        handle(session_.reject_auth(proto::ErrorCode::unavailable,
                                    "the server is busy; try again shortly"));
        return;
    }
    auth_in_flight_ = true;
    auto self = shared_from_this();
    asio::post(ctx_.workers, [self, email = std::move(email), username = std::move(username),
                              password = std::move(password)]() mutable {
        auto result = self->ctx_.accounts.register_account(email, username, password);
        --self->ctx_.queued_auth;
        asio::post(self->strand_,
                   [self, username = std::move(username), result = std::move(result)]() {
                       self->finish_auth(username, "registered", result);
                   });
    });
}

void Connection::finish_auth(const std::string& username, const std::string& action,
                             const store::AuthResult<store::Account>& result) {
    auth_in_flight_ = false;
    if (closed_ || closing_) {
        return;
    }
    if (!result) {
        const auto& err = result.error();
        if (err.code == store::AuthErrorCode::wrong_credentials ||
            err.code == store::AuthErrorCode::account_disabled) {
            ctx_.throttle.failed(username, address_, std::chrono::steady_clock::now());
        }
        log::event(log::Level::warn, action == "registered" ? "register_failed" : "login_failed",
                   {{"conn", std::to_string(id_)},
                    {"peer", address_},
                    {"user", username},
                    {"code", std::string(store::auth_error_name(err.code))},
                    {"reason", err.code == store::AuthErrorCode::unavailable ||
                                       err.code == store::AuthErrorCode::internal
                                   ? err.message
                                   : std::string("-")}});
        // Database details stay in our log; the client learns what it can act on.
        std::string message = err.message;
        if (err.code == store::AuthErrorCode::account_disabled) {
            message = "wrong username or password";
        } else if (err.code == store::AuthErrorCode::unavailable) {
            message = "the account database is unavailable; try again later";
        } else if (err.code == store::AuthErrorCode::internal) {
            message = "internal server error";
        }
        handle(session_.reject_auth(to_protocol(err.code), message));
        return;
    }
    if (action == "logged_in") {
        ctx_.throttle.succeeded(username);
    }
    username_ = result->username;
    mark_authenticated();
    log::event(log::Level::info, action == "registered" ? "registered" : "logged_in",
               {{"conn", std::to_string(id_)}, {"user", username_}});
    handle(session_.accept_auth(username_, action));
}

void Connection::mark_authenticated() {
    if (unauthenticated_slot_) {
        ctx_.release_unauthenticated(address_);
        unauthenticated_slot_ = false;
    }
    auto weak = weak_from_this();
    route_handle_ = ctx_.router.attach(username_, [weak](std::string, std::string) {
        // Users chat with the server itself for now; user-to-user delivery comes with
        // the multi-user issue and will enter here through the router.
        (void)weak;
    });
}

void Connection::shutdown() {
    auto self = shared_from_this();
    asio::post(strand_, [self] {
        if (self->closed_ || self->closing_) {
            return;
        }
        self->end_reason_ = "server shutting down";
        self->handle(self->session_.close());
    });
}

void Connection::recheck_certificate() {
    auto self = shared_from_this();
    asio::post(strand_, [self] {
        if (self->closed_ || self->closing_ || !self->peer_) {
            return;
        }
        auto trust = self->ctx_.current_trust();
        pki::VerifyPolicy policy(trust->ca);
        policy.crls = trust->crls;
        policy.purpose = pki::Purpose::client;
        policy.clock_skew = trust->clock_skew;
        auto verified = pki::verify_certificate({*self->peer_}, policy);
        if (!verified) {
            log::event(log::Level::warn, "peer_certificate_refused",
                       {{"conn", std::to_string(self->id_)},
                        {"user", self->username_},
                        {"reason", verified.error().message()}});
            self->handle(self->session_.terminate(proto::ErrorCode::bad_certificate,
                                                  verified.error().message()));
        }
    });
}

}  // namespace sc::server

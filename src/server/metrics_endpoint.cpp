#include "server/metrics_endpoint.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <chrono>

#include "server/settings.h"

namespace sc::server {
namespace {

using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxRequestHead = 4096;
constexpr auto kPerScrape = 5s;

std::string response(std::string_view status, std::string_view type, const std::string& body) {
    return "HTTP/1.1 " + std::string(status) + "\r\nContent-Type: " + std::string(type) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
           body;
}

asio::awaitable<void> answer(asio::ip::tcp::socket socket,
                             const std::function<std::string()>& body) {
    asio::steady_timer deadline(socket.get_executor(), kPerScrape);
    std::string head;
    auto read =
        co_await (asio::async_read_until(socket, asio::dynamic_buffer(head, kMaxRequestHead),
                                         "\r\n\r\n", kNoThrow) ||
                  deadline.async_wait(kNoThrow));
    asio::error_code ignored;
    if (read.index() == 0 && !std::get<0>(std::get<0>(read))) {
        const auto text = metrics_response(head, body());
        co_await (asio::async_write(socket, asio::buffer(text), kNoThrow) ||
                  deadline.async_wait(kNoThrow));
        socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    }
    socket.close(ignored);
}

}  // namespace

std::string metrics_response(std::string_view head, const std::string& body) {
    const auto line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const auto first_space = line.find(' ');
    const auto second_space = line.find(' ', first_space == line.npos ? 0 : first_space + 1);
    if (line_end == head.npos || first_space == line.npos || second_space == line.npos ||
        !line.substr(second_space + 1).starts_with("HTTP/1.")) {
        return response("400 Bad Request", "text/plain", "not an HTTP request\n");
    }
    const auto method = line.substr(0, first_space);
    const auto target = line.substr(first_space + 1, second_space - first_space - 1);
    if (method != "GET") {
        return response("405 Method Not Allowed", "text/plain", "GET /metrics only\n");
    }
    if (target != "/metrics" && !target.starts_with("/metrics?")) {
        return response("404 Not Found", "text/plain", "GET /metrics only\n");
    }
    return response("200 OK", "text/plain; version=0.0.4; charset=utf-8", body);
}

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::open(asio::io_context& io,
                                                               const std::string& listen) {
    SC_TRY_ASSIGN(auto endpoint, parse_endpoint(listen));
    asio::error_code ec;
    auto address = asio::ip::make_address(endpoint.first, ec);
    if (ec) {
        return fail("metrics.listen '" + listen + "': " + ec.message());
    }
    std::unique_ptr<MetricsEndpoint> out(new MetricsEndpoint(io));
    asio::ip::tcp::endpoint ep(address, endpoint.second);
    out->acceptor_.open(ep.protocol(), ec);
    if (!ec) {
        out->acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        out->acceptor_.bind(ep, ec);
    }
    if (!ec) {
        out->acceptor_.listen(16, ec);
    }
    if (ec) {
        return fail("cannot serve metrics on " + listen + ": " + ec.message());
    }
    return out;
}

asio::ip::tcp::endpoint MetricsEndpoint::local_endpoint() const {
    asio::error_code ignored;
    return acceptor_.local_endpoint(ignored);
}

asio::awaitable<void> MetricsEndpoint::serve(std::function<std::string()> body) {
    while (acceptor_.is_open()) {
        auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
            co_return;
        }
        if (ec) {
            // Out of descriptors or similar: pause rather than spin.
            asio::steady_timer pause(co_await asio::this_coro::executor, 100ms);
            co_await pause.async_wait(kNoThrow);
            continue;
        }
        co_await answer(std::move(socket), body);
    }
}

void MetricsEndpoint::close() {
    asio::error_code ignored;
    acceptor_.close(ignored);
}

}  // namespace sc::server

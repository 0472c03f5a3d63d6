// The metrics endpoint: `GET /metrics` on its own listener, answered with the Prometheus text
// format, one request per connection, one connection at a time. Every read and write is
// bounded (a 4 KiB request head, 5 s for all of it), so a scraper that stalls holds it for
// no longer; off by default and loopback-only unless `[metrics] allow_remote` (settings.h).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"

namespace sc::server {

class MetricsEndpoint {
  public:
    // Binds and listens on `listen` ("host:port", as the server's own listen addresses).
    static Result<std::unique_ptr<MetricsEndpoint>> open(asio::io_context& io,
                                                         const std::string& listen);
    asio::ip::tcp::endpoint local_endpoint() const;
    // Serves until close(); `body` renders the metrics at each scrape.
    asio::awaitable<void> serve(std::function<std::string()> body);
    void close();

  private:
    explicit MetricsEndpoint(asio::io_context& io) : acceptor_(io) {}
    asio::ip::tcp::acceptor acceptor_;
};

// The response to one request head: 200 with `body` for GET /metrics, 404 for another path,
// 405 for another method, 400 for anything that is not an HTTP request line.
std::string metrics_response(std::string_view request_head, const std::string& body);

}  // namespace sc::server

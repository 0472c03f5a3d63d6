// The server tests' client: net::BlockingClient (src/net/blocking_client.h), with the
// "nullptr when the connection fails" shape the tests were written against.
#pragma once

#include <memory>
#include <string>

#include "net/blocking_client.h"

namespace sc::test {

class NetClient : public net::BlockingClient {
  public:
    using net::BlockingClient::BlockingClient;

    static std::unique_ptr<NetClient> connect(unsigned short port, proto::ClientConfig config,
                                              const std::string& host = "127.0.0.1",
                                              const std::string& source = "") {
        auto socket = net::BlockingSocket::connect(host, port, source);
        if (!socket) {
            return nullptr;
        }
        return std::make_unique<NetClient>(std::move(socket).value(), std::move(config));
    }
};

}  // namespace sc::test

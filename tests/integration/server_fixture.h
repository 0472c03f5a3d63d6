// A real server in this process (real sockets, a real SQLite file, real certificates from
// `pki`), and clients that connect to it over loopback.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "proto/client_session.h"
#include "server/server.h"
#include "support/net_client.h"
#include "support/temp_dir.h"

namespace sc::test {

// A CA directory with a server certificate (server, 127.0.0.1, ::1, localhost) and clients.
struct TestCa {
    explicit TestCa(const std::filesystem::path& dir);
    std::filesystem::path dir;
    proto::Identity client(const std::string& name = "client") const;
    proto::Trust trust() const;
    proto::ClientConfig client_config(const std::string& name = "client") const;
};

server::Settings test_settings(const TestCa& ca, const std::filesystem::path& data_dir);

class RunningServer {
  public:
    explicit RunningServer(server::Settings settings);
    ~RunningServer();
    unsigned short port() const { return port_; }
    server::Server& server() { return *server_; }
    void stop();

  private:
    std::unique_ptr<server::Server> server_;
    std::thread thread_;
    unsigned short port_ = 0;
};

}  // namespace sc::test

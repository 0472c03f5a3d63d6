// The fixture of the Hardening tests (server_hardening_*_test.cpp): a server in this process,
// clients from chosen loopback source addresses, raw silent sockets.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "server_fixture.h"

namespace sc::test {

inline constexpr const char* kPassword = "correct horse battery";

// A TCP connection from `source` that sends nothing (or what the test writes to it).
inline int raw_connect(unsigned short port, const std::string& source) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline void raise_fd_limit(rlim_t wanted) {
    rlimit r{};
    getrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_cur < wanted) {
        r.rlim_cur = std::min(wanted, r.rlim_max);
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

inline bool has_receipts(const NetClient::Events& ev) {
    for (const auto& e : ev) {
        if (std::holds_alternative<proto::event::ReceiptsExchanged>(e)) {
            return true;
        }
    }
    return false;
}

class Hardening : public ::testing::Test {
  protected:
    Hardening() : ca_(tmp_ / "ca") {}
    void start(const std::function<void(server::Settings&)>& tweak = nullptr) {
        auto s = test_settings(ca_, tmp_ / "data");
        if (tweak) {
            tweak(s);
        }
        server_ = std::make_unique<RunningServer>(std::move(s));
        ASSERT_NE(server_->port(), 0);
    }
    std::unique_ptr<NetClient> connect(const std::string& source = "",
                                       const std::string& cert = "client") {
        auto c = NetClient::connect(server_->port(), ca_.client_config(cert), "127.0.0.1", source);
        EXPECT_NE(c, nullptr) << source;
        return c;
    }
    void register_user(const std::string& user, const std::string& source = "") {
        auto c = connect(source);
        ASSERT_TRUE(c->register_user(user + "@example.com", user, kPassword)) << c->peer_error();
        c->close_with_receipts();
    }
    std::size_t files_in_transcripts() {
        std::size_t n = 0;
        std::error_code ec;
        for (const auto& e :
             std::filesystem::directory_iterator(tmp_ / "data" / "transcripts", ec)) {
            (void)e;
            ++n;
        }
        return n;
    }
    TempDir tmp_;
    TestCa ca_;
    std::unique_ptr<RunningServer> server_;
};

}  // namespace sc::test

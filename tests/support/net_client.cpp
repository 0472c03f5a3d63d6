#include "support/net_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sc::test {

std::unique_ptr<NetClient> NetClient::connect(unsigned short port, proto::ClientConfig config,
                                              const std::string& host, const std::string& source) {
    bool v6 = host.find(':') != std::string::npos;
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return nullptr;
    }
    int rc = -1;
    if (!source.empty() && !v6) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        inet_pton(AF_INET, source.c_str(), &local.sin_addr);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            ::close(fd);
            return nullptr;
        }
    }
    if (v6) {
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_port = htons(port);
        inet_pton(AF_INET6, host.c_str(), &addr.sin6_addr);
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } else {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
    if (rc != 0) {
        ::close(fd);
        return nullptr;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return std::unique_ptr<NetClient>(new NetClient(fd, std::move(config)));
}

NetClient::NetClient(int fd, proto::ClientConfig config)
    : fd_(fd),
      session_(std::make_unique<proto::ClientSession>(std::move(config), clock_, entropy_)) {}

NetClient::~NetClient() {
    close_socket();
}

void NetClient::close_socket() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void NetClient::send_raw(const std::string& bytes) {
    std::size_t done = 0;
    while (fd_ >= 0 && done < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        done += static_cast<std::size_t>(n);
    }
}

void NetClient::submit(proto::Output out) {
    for (const auto& frame : out.send) {
        send_raw(std::string(frame.begin(), frame.end()));
    }
    for (auto& e : out.events) {
        events.push_back(std::move(e));
    }
}

bool NetClient::wait_for(const std::function<bool(const Events&)>& done,
                         std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[16384];
    while (!done(events)) {
        if (peer_closed || fd_ < 0) {
            return done(events);
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            continue;
        }
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) {
            peer_closed = true;
            continue;
        }
        submit(session_->receive(
            ByteView(reinterpret_cast<std::uint8_t*>(buf), static_cast<std::size_t>(n))));
    }
    return true;
}

bool NetClient::wait_closed(std::chrono::milliseconds timeout) {
    return wait_for([this](const Events&) { return peer_closed; }, timeout) || peer_closed;
}

bool NetClient::finish_auth() {
    return wait_for([](const Events& ev) {
               for (const auto& e : ev) {
                   if (std::holds_alternative<proto::event::ChatReady>(e) ||
                       std::holds_alternative<proto::event::PeerError>(e) ||
                       std::holds_alternative<proto::event::Failed>(e)) {
                       return true;
                   }
               }
               return false;
           }) &&
           has<proto::event::ChatReady>();
}

bool NetClient::login(const std::string& username, const std::string& password) {
    submit(session_->start());
    if (!wait_for([](const Events& ev) {
            for (const auto& e : ev) {
                if (std::holds_alternative<proto::event::HandshakeDone>(e) ||
                    std::holds_alternative<proto::event::PeerError>(e) ||
                    std::holds_alternative<proto::event::Failed>(e)) {
                    return true;
                }
            }
            return false;
        }) ||
        !has<proto::event::HandshakeDone>()) {
        return false;
    }
    submit(session_->login(username, crypto::SecretBytes(as_bytes(password))));
    return finish_auth();
}

bool NetClient::register_user(const std::string& email, const std::string& username,
                              const std::string& password) {
    submit(session_->start());
    if (!wait_for([](const Events& ev) {
            for (const auto& e : ev) {
                if (!std::holds_alternative<proto::event::TranscriptAppend>(e)) {
                    return true;
                }
            }
            return false;
        }) ||
        !has<proto::event::HandshakeDone>()) {
        return false;
    }
    submit(session_->register_user(email, username, crypto::SecretBytes(as_bytes(password))));
    return finish_auth();
}

bool NetClient::chat(const std::string& text) {
    submit(session_->send_text(text));
    std::size_t want = ++acked_;
    return wait_for([want](const Events& ev) {
               std::size_t acks = 0;
               for (const auto& e : ev) {
                   acks += std::holds_alternative<proto::event::Acknowledged>(e) ? 1U : 0U;
                   if (std::holds_alternative<proto::event::Failed>(e) ||
                       std::holds_alternative<proto::event::PeerError>(e)) {
                       return true;
                   }
               }
               return acks >= want;
           }) &&
           failure().empty() && peer_error().empty();
}

bool NetClient::close_with_receipts() {
    submit(session_->close());
    return wait_for([](const Events& ev) {
               for (const auto& e : ev) {
                   if (std::holds_alternative<proto::event::ReceiptsExchanged>(e) ||
                       std::holds_alternative<proto::event::Failed>(e) ||
                       std::holds_alternative<proto::event::PeerError>(e)) {
                       return true;
                   }
               }
               return false;
           }) &&
           has<proto::event::ReceiptsExchanged>();
}

std::string NetClient::peer_error() const {
    for (const auto& e : events) {
        if (auto* p = std::get_if<proto::event::PeerError>(&e)) {
            return p->code + ": " + p->message;
        }
    }
    return "";
}

std::string NetClient::failure() const {
    for (const auto& e : events) {
        if (auto* p = std::get_if<proto::event::Failed>(&e)) {
            return p->error.text();
        }
    }
    return "";
}

}  // namespace sc::test

// Message routing between sessions sits behind this interface, so sessions never reach into
// each other. Today: local delivery inside one process (presence only, since users chat with
// the server). Later: a clustered implementation on a message broker, same interface.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace sc::server {

// A way to hand text to one connected session, on that session's own executor.
using Deliver = std::function<void(std::string from, std::string text)>;

class Router {
  public:
    virtual ~Router() = default;
    virtual std::uint64_t attach(const std::string& user, Deliver deliver) = 0;
    virtual void detach(const std::string& user, std::uint64_t handle) = 0;
    virtual bool online(const std::string& user) const = 0;
    // Delivers to every session of `to`; false when `to` has none (the caller keeps it offline).
    virtual bool route(const std::string& from, const std::string& to, const std::string& text) = 0;
};

class LocalRouter final : public Router {
  public:
    std::uint64_t attach(const std::string& user, Deliver deliver) override;
    void detach(const std::string& user, std::uint64_t handle) override;
    bool online(const std::string& user) const override;
    bool route(const std::string& from, const std::string& to, const std::string& text) override;

  private:
    mutable std::mutex mutex_;
    std::uint64_t next_ = 1;
    std::map<std::string, std::map<std::uint64_t, Deliver>> sessions_;
};

}  // namespace sc::server

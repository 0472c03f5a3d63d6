// Failed logins slow down, per account and per source address, with growing delays; the client
// is told how long to wait. Memory is bounded: the oldest entries are dropped first.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace sc::server {

class LoginThrottle {
  public:
    using Clock = std::chrono::steady_clock;
    struct Policy {
        unsigned free_account_failures = 3;  // failures before delays start, per account
        unsigned free_address_failures = 10;
        std::chrono::seconds max_delay{300};
        std::size_t max_entries = 100000;
    };

    LoginThrottle() : LoginThrottle(Policy{}) {}
    explicit LoginThrottle(Policy policy) : policy_(policy) {}

    // How long this attempt must still wait, or nullopt if it may go ahead.
    std::optional<std::chrono::seconds> blocked(const std::string& account,
                                                const std::string& address, Clock::time_point now);
    void failed(const std::string& account, const std::string& address, Clock::time_point now);
    void succeeded(const std::string& account);

  private:
    struct Entry {
        unsigned failures = 0;
        Clock::time_point until{};
        Clock::time_point last{};
    };
    void bump(std::map<std::string, Entry>& table, const std::string& key, unsigned free,
              Clock::time_point now);
    static std::optional<std::chrono::seconds> wait(const std::map<std::string, Entry>& table,
                                                    const std::string& key, Clock::time_point now);

    Policy policy_;
    std::mutex mutex_;
    std::map<std::string, Entry> accounts_;
    std::map<std::string, Entry> addresses_;
};

}  // namespace sc::server

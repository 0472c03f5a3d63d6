// The failed-login throttle as the server uses it (docs/SECURITY.md, M2). LoginThrottle is the
// in-process implementation; a cluster shares one through the same interface, since password
// guesses spread over nodes must meet one count. Thread-safe; times come from the caller.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sc::server {

class Throttle {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    virtual ~Throttle() = default;

    // The throttle (and session caps) key for a typed username: ASCII lower-case, as the
    // stores compare (SQLite NOCASE, MariaDB _ci; usernames are ASCII).
    static std::string canonical(std::string_view username);

    // Reserves an attempt: nullopt when it may go ahead (and is now counted as a failure),
    // otherwise how long the client must still wait.
    virtual std::optional<std::chrono::seconds> reserve(const std::string& account,
                                                        const std::string& block,
                                                        TimePoint now) = 0;
    // The password was right: the attempt's record goes, the reservation is returned.
    virtual void succeeded(const std::string& account, const std::string& block, TimePoint now) = 0;
    // No verdict (database down, internal error): the reservation is returned.
    virtual void refund(const std::string& account, const std::string& block) = 0;
    // How many failure records it holds now (pairs, accounts and address blocks together): the
    // metrics' view of its state. Counts only; which accounts is never told.
    virtual std::size_t tracked() = 0;
};

}  // namespace sc::server

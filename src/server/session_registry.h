// The logged-in sessions of one server, readable from any strand: who is connected with which
// device since when (the admin's `who`), and the connections an admin's disable or kick must
// end. Connections fill it at login and empty it when they go; nobody reads another
// Connection's own state, which belongs to that connection's strand.
//
// Ending a user's sessions races with that user's logins in flight: a password check that read
// the account before an admin disabled it must not add a session after the admin's sweep. So a
// login takes a ticket when it starts (the user's count of sweeps), and add() refuses it when a
// sweep came in between; the sweep and the check hold one lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "proto/errors.h"

namespace sc::server {

class Connection;

struct LoggedInSession {
    std::string user;            // as the account spells it
    std::string device;          // the certificate's SHA-256, 64 lowercase hex digits
    std::string device_name;     // from the certificate
    std::uint64_t since_ms = 0;  // unix ms of the login
};

class SessionRegistry {
  public:
    using Ticket = std::uint64_t;

    // Before a login's password check; `user` in any case.
    Ticket begin_login(const std::string& user);
    // At login. The code that ended the user's sessions since `ticket` (the login is then
    // refused with it), or nullopt: the session is registered.
    std::optional<proto::ErrorCode> add(std::uint64_t conn, std::weak_ptr<Connection> connection,
                                        LoggedInSession session, Ticket ticket);
    void remove(std::uint64_t conn);

    struct Listing {
        std::vector<LoggedInSession> sessions;  // by user, then by login time
        bool truncated = false;                 // there were more than `max`
    };
    Listing list(std::size_t max) const;
    // The users with a session, each once, as their accounts spell them.
    std::vector<std::string> users() const;
    // Counts a sweep of `user` (logins in flight are refused with `why`) and returns their live
    // connections, which the caller ends.
    std::vector<std::shared_ptr<Connection>> sweep(const std::string& user, proto::ErrorCode why);

  private:
    struct Entry {
        LoggedInSession session;
        std::string key;  // the canonical user
        std::weak_ptr<Connection> connection;
    };
    struct Sweeps {
        Ticket count = 0;
        proto::ErrorCode last = proto::ErrorCode::kicked;
    };
    mutable std::mutex mutex_;
    std::map<std::uint64_t, Entry> sessions_;
    // Only users an admin has swept are here, so it grows with admin actions, not with logins.
    std::map<std::string, Sweeps> sweeps_;
};

}  // namespace sc::server

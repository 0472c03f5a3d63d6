// Connections that have not logged in yet (docs/SECURITY.md, H2). They are counted server-wide
// and per address block; a connection that has not sent one complete frame is "silent". When a
// table is full, the oldest silent connection (of the newcomer's block when that block is full,
// of any block otherwise) is evicted to make room, so idle sockets cannot lock out logins: an
// honest client sends `hello` at once and stops being evictable.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace sc::server {

class Admission {
  public:
    struct Policy {
        std::size_t max_total = 256;
        std::size_t max_per_block = 32;
    };
    // Ends an evicted connection (posted to its own strand by the caller's callback).
    using Evict = std::function<void()>;

    explicit Admission(Policy policy) : policy_(policy) {}

    // Takes a slot for connection `id` (ids grow with arrival). Evicts a silent connection if
    // needed; false only when every slot in the way belongs to a connection that spoke.
    bool admit(std::uint64_t id, const std::string& block, Evict evict);
    // The connection sent a complete frame: no longer evictable.
    void heard(std::uint64_t id);
    // Frees the slot (login done, or the connection ended). Idempotent.
    void release(std::uint64_t id);
    std::size_t size();
    // Of those, the ones that have not proved their key yet (evictable).
    std::size_t silent();

  private:
    struct Entry {
        std::string block;
        bool silent = true;
        Evict evict;
    };
    // Oldest silent entry, of `block` when given. Returns entries_.end() when none.
    std::map<std::uint64_t, Entry>::iterator oldest_silent(const std::string* block);
    Evict take(std::map<std::uint64_t, Entry>::iterator it);

    Policy policy_;
    std::mutex mutex_;
    std::map<std::uint64_t, Entry> entries_;
    std::map<std::string, std::size_t> per_block_;
};

}  // namespace sc::server

// Failed logins slow down with growing delays (1 s, 2 s, 4 s, ... up to max_delay); the client
// is told how long to wait (docs/SECURITY.md, M2). Keys are canonical: the account name
// lower-cased the way the store compares it, and the source's address block. Three tables:
// - (account, block): the delay a guesser meets; a stranger elsewhere cannot lock out the
//   account's owner, who logs in from another block;
// - account alone, with a far higher free allowance: bounds guessing from many blocks;
// - block alone: one network guessing at many accounts.
// The last two do not apply to a (account, block) pair that logged in successfully within
// `trust_success_for`: the owner at home is not locked out by guessing from elsewhere.
// An attempt counts as a failure from the moment it is reserved, before its Argon2 job is
// queued, so parallel attempts are counted; success or "no verdict" gives it back.
// Memory is bounded: the least recently used entries are dropped first.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "server/limits.h"
#include "server/throttle.h"

namespace sc::server {

class LoginThrottle final : public Throttle {
  public:
    using Clock = std::chrono::steady_clock;
    struct Policy {
        unsigned free_failures = limits::kLoginFreeFailures;  // per (account, block)
        unsigned free_account_failures = limits::kLoginFreeFailuresPerAccount;
        unsigned free_block_failures = limits::kLoginFreeFailuresPerBlock;
        std::chrono::seconds max_delay = limits::kLoginMaxDelay;
        std::chrono::seconds forget_after = limits::kLoginForgetAfter;
        std::size_t max_entries = limits::kLoginMaxEntries;                      // per table
        std::chrono::seconds trust_success_for = limits::kLoginTrustSuccessFor;  // see above
    };

    LoginThrottle() : LoginThrottle(Policy{}) {}
    explicit LoginThrottle(Policy policy) : policy_(policy) {}

    std::optional<std::chrono::seconds> reserve(const std::string& account,
                                                const std::string& block,
                                                Clock::time_point now) override;
    // The pair is trusted from now on (see above).
    void succeeded(const std::string& account, const std::string& block,
                   Clock::time_point now) override;
    void refund(const std::string& account, const std::string& block) override;
    std::size_t tracked() override;

  private:
    struct Entry {
        unsigned failures = 0;
        Clock::time_point until{};
        Clock::time_point last{};
    };
    using Table = std::map<std::string, Entry>;
    void bump(Table& table, const std::string& key, unsigned free, Clock::time_point now);
    void unbump(Table& table, const std::string& key, unsigned free);
    std::optional<std::chrono::seconds> wait(Table& table, const std::string& key,
                                             Clock::time_point now) const;
    static std::string pair_key(const std::string& account, const std::string& block);
    bool trusted(const std::string& pair, Clock::time_point now);

    Policy policy_;
    std::mutex mutex_;
    Table pairs_;
    Table accounts_;
    Table blocks_;
    std::map<std::string, Clock::time_point> successes_;  // pair → last successful login
};

}  // namespace sc::server

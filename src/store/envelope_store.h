// Stored envelopes (issue 12, docs/PROTOCOL.md §2.4): what the relay keeps for each recipient
// device until that device says `received`, so that nothing is lost to a device that is offline,
// a connection that died, or a server that was killed. Per recipient device (a row of
// `devices`): the opaque envelopes in the order they were committed, each with the server's id
// (`held`), the sender and the times of §10.6. The store keeps bytes it never parses. Written
// once against store/sql (envelope_store_sql.cpp), thread-safe like the other stores; every
// write is one transaction, committed (SQLite synchronous=FULL, or a MariaDB commit) before the
// call returns, so the caller may say "stored" as soon as it has the result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "store/account_store.h"

namespace sc::store {

struct HeldEnvelope {
    std::uint64_t held = 0;        // the id, increasing in commit order per recipient device
    std::string to_fingerprint;    // the recipient device, 64 lowercase hex digits
    std::string from_user;         // the sending account, as the accounts table spells it
    std::string from_fingerprint;  // the sending device
    Bytes mid;                     // proto::kMessageIdBytes
    Bytes body;                    // at most proto::kMaxEnvelopeBytes
    std::uint64_t stored_ms = 0;   // unix ms of the commit (the statement's ts)
    std::uint64_t expires_ms = 0;  // unix ms
    bool operator==(const HeldEnvelope&) const = default;
};

// The bounds one recipient device may reach (server Settings [limits]).
struct HeldQuota {
    std::uint64_t max_envelopes = 0;
    std::uint64_t max_bytes = 0;
};

class EnvelopeStore {
  public:
    virtual ~EnvelopeStore() = default;

    // Stores `envelope` (its `held` is assigned, its times are the caller's) for the device
    // (to_account, to_fingerprint), in one committed transaction. The same (to_fingerprint,
    // from_fingerprint, mid) stored again returns the first row and stores nothing (a sender
    // retrying after a lost answer). Fails, storing nothing, with not_found when the account has
    // no such device; limit_reached when the device already holds quota.max_envelopes
    // envelopes or would hold more than quota.max_bytes bytes of bodies; invalid_argument for a
    // mid or body out of bounds; unavailable when the database is down.
    virtual StoreResult<HeldEnvelope> hold_envelope(std::int64_t to_account,
                                                    const HeldEnvelope& envelope,
                                                    const HeldQuota& quota) = 0;
    // The device's envelopes in `held` order, at most `limit`, skipping those whose `held` is in
    // `skip` (pushed and not yet received), none that expired before `now_ms`. A device is
    // (account, fingerprint), as in `devices`: with identity binding off one certificate may be
    // a device of several accounts.
    virtual StoreResult<std::vector<HeldEnvelope>> held_for(std::int64_t to_account,
                                                            const std::string& to_fingerprint,
                                                            const std::vector<std::uint64_t>& skip,
                                                            std::size_t limit,
                                                            std::uint64_t now_ms) = 0;
    // Deletes those of `held` that are kept for that device (others are ignored), in one
    // committed transaction; returns how many it deleted.
    virtual StoreResult<std::size_t> release_envelopes(std::int64_t to_account,
                                                       const std::string& to_fingerprint,
                                                       const std::vector<std::uint64_t>& held) = 0;
    // Deletes every envelope whose expires_ms is before `now_ms`; returns how many.
    virtual StoreResult<std::size_t> expire_envelopes(std::uint64_t now_ms) = 0;
    // How many envelopes, and bytes of bodies, the device holds (for tests, metrics and admin).
    struct HeldCounts {
        std::uint64_t envelopes = 0;
        std::uint64_t bytes = 0;
        bool operator==(const HeldCounts&) const = default;
    };
    virtual StoreResult<HeldCounts> held_counts(std::int64_t to_account,
                                                const std::string& to_fingerprint) = 0;
};

}  // namespace sc::store

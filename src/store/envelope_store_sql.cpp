// Stored envelopes (envelope_store.h, schema 6 `held_envelopes`). Each write is one transaction
// that first locks the recipient account's users row (lock_accounts), so two senders to one
// device count its quota one after the other, and a retried send finds the first row. The
// row's id (AUTOINCREMENT / AUTO_INCREMENT) is `held`: it only grows, so ordering by it is the
// order of the commits. Bodies and mids are bound as blobs and never read back into logs.
#include <algorithm>
#include <set>

#include "common/ids.h"
#include "proto/limits.h"
#include "store/account_store_sql.h"
#include "store/store_internal.h"

namespace sc::store {
namespace {

using detail::store_error;

Failure<StoreError> refuse(StoreErrorCode code, std::string why) {
    return fail(store_error(code, std::move(why)));
}

// Times and ids are u64 on the wire; the database keeps their bits in a BIGINT.
std::int64_t as_column(std::uint64_t value) {
    return static_cast<std::int64_t>(value);
}
std::uint64_t from_column(std::int64_t value) {
    return static_cast<std::uint64_t>(value);
}

// The sender's name as the users table holds it (VARCHAR(255), seeds' names included).
constexpr std::size_t kMaxFromUserBytes = 255;

constexpr std::string_view kColumns =
    "id, from_user, from_fingerprint, mid, body, stored_ms, expires_ms";

StoreResult<bool> check_envelope(const HeldEnvelope& envelope) {
    if (envelope.mid.size() != kMessageIdBytes) {
        return refuse(StoreErrorCode::invalid_argument,
                      "a message id is " + std::to_string(kMessageIdBytes) + " bytes");
    }
    if (envelope.body.empty() || envelope.body.size() > proto::kMaxEnvelopeBytes) {
        return refuse(StoreErrorCode::invalid_argument,
                      "an envelope is 1 to " + std::to_string(proto::kMaxEnvelopeBytes) +
                          " bytes, not " + std::to_string(envelope.body.size()));
    }
    if (envelope.from_fingerprint.size() != 64 || envelope.to_fingerprint.size() != 64) {
        return refuse(StoreErrorCode::invalid_argument, "a device id is 64 hex digits");
    }
    if (envelope.from_user.empty() || envelope.from_user.size() > kMaxFromUserBytes) {
        return refuse(StoreErrorCode::invalid_argument, "the sender's name is out of bounds");
    }
    if (envelope.expires_ms <= envelope.stored_ms) {
        return refuse(StoreErrorCode::invalid_argument,
                      "an envelope must expire after it is stored");
    }
    return true;
}

// The devices row id of (account, fingerprint), if the account has that device.
StoreResult<std::optional<std::int64_t>> device_row(sql::Connection& db, std::int64_t account_id,
                                                    const std::string& fingerprint,
                                                    std::string_view during) {
    SC_TRY_ASSIGN(
        auto select,
        db.prepare("SELECT id FROM devices WHERE account_id = ? AND fingerprint = ?", during));
    bind_params(*select, {account_id, fingerprint});
    SC_TRY_ASSIGN(sql::Step step, select->step());
    if (step == sql::Step::done) {
        return std::optional<std::int64_t>{};
    }
    auto id = select->get_int64(0);
    if (!id) {
        return refuse(StoreErrorCode::corrupt, "a device row has no readable id");
    }
    return std::optional<std::int64_t>{*id};
}

// Columns kColumns from 0.
StoreResult<HeldEnvelope> envelope_from_row(const sql::Statement& row,
                                            const std::string& to_fingerprint) {
    auto id = row.get_int64(0);
    auto from_user = row.get_text(1);
    auto from_fingerprint = row.get_text(2);
    auto mid = row.get_blob(3);
    auto body = row.get_blob(4);
    auto stored = row.get_int64(5);
    auto expires = row.get_int64(6);
    if (!id || !from_user || !from_fingerprint || !mid || !body || !stored || !expires) {
        return refuse(StoreErrorCode::corrupt, "a stored envelope row is unreadable");
    }
    HeldEnvelope envelope;
    envelope.held = from_column(*id);
    envelope.to_fingerprint = to_fingerprint;
    envelope.from_user = std::move(*from_user);
    envelope.from_fingerprint = std::move(*from_fingerprint);
    envelope.mid = std::move(*mid);
    envelope.body = std::move(*body);
    envelope.stored_ms = from_column(*stored);
    envelope.expires_ms = from_column(*expires);
    return envelope;
}

StoreResult<EnvelopeStore::HeldCounts> counts_of(sql::Connection& db, std::int64_t device_id,
                                                 std::string_view during) {
    SC_TRY_ASSIGN(auto select, db.prepare("SELECT COUNT(*), COALESCE(SUM(body_bytes), 0)"
                                          " FROM held_envelopes WHERE device_id = ?",
                                          during));
    select->bind_int64(1, device_id);
    SC_TRY_ASSIGN(sql::Step step, select->step());
    EnvelopeStore::HeldCounts counts;
    if (step == sql::Step::row) {
        auto envelopes = select->get_int64(0);
        auto bytes = select->get_int64(1);
        if (!envelopes || !bytes) {
            return refuse(StoreErrorCode::corrupt, "the stored envelope counts are unreadable");
        }
        counts.envelopes = from_column(*envelopes);
        counts.bytes = from_column(*bytes);
    }
    return counts;
}

}  // namespace

StoreResult<HeldEnvelope> SqlStore::hold_envelope(std::int64_t to_account,
                                                  const HeldEnvelope& envelope,
                                                  const HeldQuota& quota) {
    SC_TRY(check_envelope(envelope));
    const std::string_view during = "storing an envelope";
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto transaction, db_->transaction(during));
    // Senders to this account queue here (MariaDB: the row lock; SQLite: BEGIN IMMEDIATE), so
    // the quota and the retry check below read what the one before committed.
    SC_TRY_ASSIGN(std::uint64_t accounts, lock_accounts(*db_, to_account, to_account, during));
    SC_TRY_ASSIGN(auto device, device_row(*db_, to_account, envelope.to_fingerprint, during));
    if (accounts == 0 || !device) {
        return refuse(StoreErrorCode::not_found, "the account has no such device");
    }
    {
        // A sender retrying after a lost answer: the first row stands (the unique key of schema
        // 6 would refuse a second one anyway).
        SC_TRY_ASSIGN(auto select, db_->prepare("SELECT " + std::string(kColumns) +
                                                    " FROM held_envelopes WHERE device_id = ?"
                                                    " AND from_fingerprint = ? AND mid = ?",
                                                during));
        bind_params(*select, {*device, envelope.from_fingerprint});
        select->bind_blob(3, envelope.mid);
        SC_TRY_ASSIGN(sql::Step step, select->step());
        if (step == sql::Step::row) {
            return envelope_from_row(*select, envelope.to_fingerprint);
        }
    }
    SC_TRY_ASSIGN(HeldCounts before, counts_of(*db_, *device, during));
    if (before.envelopes >= quota.max_envelopes) {
        return refuse(StoreErrorCode::limit_reached,
                      "the device already holds " + std::to_string(before.envelopes) +
                          " stored envelopes, the most this server keeps");
    }
    if (before.bytes + envelope.body.size() > quota.max_bytes) {
        return refuse(StoreErrorCode::limit_reached, "the device's stored envelopes would exceed " +
                                                         std::to_string(quota.max_bytes) +
                                                         " bytes");
    }
    SC_TRY_ASSIGN(auto insert,
                  db_->prepare("INSERT INTO held_envelopes (device_id, from_user, from_fingerprint,"
                               " mid, body, body_bytes, stored_ms, expires_ms)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               during));
    bind_params(*insert, {*device, envelope.from_user, envelope.from_fingerprint});
    insert->bind_blob(4, envelope.mid);
    insert->bind_blob(5, envelope.body);
    insert->bind_int64(6, static_cast<std::int64_t>(envelope.body.size()));
    insert->bind_int64(7, as_column(envelope.stored_ms));
    insert->bind_int64(8, as_column(envelope.expires_ms));
    SC_TRY(insert->step());
    HeldEnvelope stored = envelope;
    stored.held = from_column(insert->last_insert_id());
    if (stored.held == 0) {
        return refuse(StoreErrorCode::internal, "the database gave the envelope no id");
    }
    SC_TRY(transaction.commit());
    return stored;
}

StoreResult<std::vector<HeldEnvelope>> SqlStore::held_for(std::int64_t to_account,
                                                          const std::string& to_fingerprint,
                                                          const std::vector<std::uint64_t>& skip,
                                                          std::size_t limit, std::uint64_t now_ms) {
    const std::string_view during = "reading stored envelopes";
    std::vector<HeldEnvelope> envelopes;
    if (limit == 0) {
        return envelopes;
    }
    const std::set<std::uint64_t> skipped(skip.begin(), skip.end());
    std::lock_guard lock(mutex_);
    // One prepared statement whatever `skip` holds: read as many more rows as are skipped (the
    // skipped ones are a session's in-flight window, the oldest rows) and drop them here.
    SC_TRY_ASSIGN(auto select,
                  db_->prepare("SELECT h.id, h.from_user, h.from_fingerprint, h.mid, h.body,"
                               " h.stored_ms, h.expires_ms FROM held_envelopes h"
                               " JOIN devices d ON d.id = h.device_id"
                               " WHERE d.account_id = ? AND d.fingerprint = ?"
                               " AND h.expires_ms >= ? ORDER BY h.id LIMIT ?",
                               during));
    bind_params(*select, {to_account, to_fingerprint, as_column(now_ms),
                          static_cast<std::int64_t>(limit + skipped.size())});
    for (;;) {
        SC_TRY_ASSIGN(sql::Step step, select->step());
        if (step == sql::Step::done) {
            return envelopes;
        }
        SC_TRY_ASSIGN(HeldEnvelope envelope, envelope_from_row(*select, to_fingerprint));
        if (skipped.contains(envelope.held) || envelopes.size() == limit) {
            continue;
        }
        envelopes.push_back(std::move(envelope));
    }
}

StoreResult<std::size_t> SqlStore::release_envelopes(std::int64_t to_account,
                                                     const std::string& to_fingerprint,
                                                     const std::vector<std::uint64_t>& held) {
    const std::string_view during = "deleting received envelopes";
    if (held.size() > proto::kMaxReceivedPerRequest) {
        return refuse(StoreErrorCode::invalid_argument,
                      "at most " + std::to_string(proto::kMaxReceivedPerRequest) +
                          " envelopes are released at once");
    }
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto transaction, db_->transaction(during));
    SC_TRY_ASSIGN(auto device, device_row(*db_, to_account, to_fingerprint, during));
    if (!device) {
        return std::size_t{0};
    }
    // The device_id condition: a session deletes only what is kept for its own device.
    SC_TRY_ASSIGN(auto remove, db_->prepare("DELETE FROM held_envelopes"
                                            " WHERE id = ? AND device_id = ?",
                                            during));
    std::size_t deleted = 0;
    for (std::uint64_t id : std::set<std::uint64_t>(held.begin(), held.end())) {
        remove->reset();
        bind_params(*remove, {as_column(id), *device});
        SC_TRY(remove->step());
        deleted += remove->affected_rows();
    }
    SC_TRY(transaction.commit());
    return deleted;
}

StoreResult<std::size_t> SqlStore::expire_envelopes(std::uint64_t now_ms) {
    const std::string_view during = "deleting expired envelopes";
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto remove,
                  db_->prepare("DELETE FROM held_envelopes WHERE expires_ms < ?", during));
    remove->bind_int64(1, as_column(now_ms));
    SC_TRY(remove->step());
    return static_cast<std::size_t>(remove->affected_rows());
}

StoreResult<EnvelopeStore::HeldCounts> SqlStore::held_counts(std::int64_t to_account,
                                                             const std::string& to_fingerprint) {
    const std::string_view during = "counting stored envelopes";
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto device, device_row(*db_, to_account, to_fingerprint, during));
    if (!device) {
        return HeldCounts{};
    }
    return counts_of(*db_, *device, during);
}

}  // namespace sc::store

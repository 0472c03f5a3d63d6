// Prekeys: each device's signed prekey and one-time prekeys (prekey_store.h). Every change is one
// transaction that first locks the account's users row (lock_accounts), so two publishes of one
// device count and insert one after the other, and two takers of a bundle never get the same
// one-time prekey: on MariaDB the row lock orders them (the second reads what the first
// committed, its key deleted), on SQLite BEGIN IMMEDIATE does; the DELETE of the key handed out
// must match its row, or the take fails rather than hand it out twice.
#include <set>

#include "proto/limits.h"
#include "store/account_store_sql.h"
#include "store/store_internal.h"

namespace sc::store {
namespace {

using detail::store_error;

Failure<StoreError> refuse(StoreErrorCode code, std::string why) {
    return fail(store_error(code, std::move(why)));
}

// Key ids and times are the device's u64 values; the database keeps their bits in a BIGINT.
std::int64_t as_column(std::uint64_t value) {
    return static_cast<std::int64_t>(value);
}
std::uint64_t from_column(std::int64_t value) {
    return static_cast<std::uint64_t>(value);
}

StoreResult<bool> check_prekey(const StoredPrekey& key, std::string_view what) {
    if (key.key_id == 0) {
        return refuse(StoreErrorCode::invalid_argument, std::string(what) + " has id 0");
    }
    if (key.key.size() != proto::kPrekeyBytes) {
        return refuse(
            StoreErrorCode::invalid_argument,
            std::string(what) + " " + std::to_string(key.key_id) + " is not a 32-byte key");
    }
    if (key.sig.empty() || key.sig.size() > proto::kMaxSigBytes) {
        return refuse(StoreErrorCode::invalid_argument,
                      std::string(what) + " " + std::to_string(key.key_id) +
                          " has a signature of " + std::to_string(key.sig.size()) + " bytes");
    }
    return true;
}

StoreResult<bool> check_publish(const std::optional<StoredPrekey>& signed_prekey,
                                const std::vector<StoredPrekey>& one_time) {
    if (signed_prekey) {
        SC_TRY(check_prekey(*signed_prekey, "the signed prekey"));
    }
    if (one_time.size() > proto::kMaxOneTimePrekeys) {
        return refuse(StoreErrorCode::limit_reached, "a device holds at most " +
                                                         std::to_string(proto::kMaxOneTimePrekeys) +
                                                         " one-time prekeys");
    }
    std::set<std::uint64_t> ids;
    for (const auto& key : one_time) {
        SC_TRY(check_prekey(key, "one-time prekey"));
        if (!ids.insert(key.key_id).second) {
            return refuse(StoreErrorCode::invalid_argument,
                          "one-time prekey " + std::to_string(key.key_id) + " is given twice");
        }
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

StoreResult<PrekeyCounts> counts_of(sql::Connection& db, std::int64_t device_id,
                                    std::string_view during) {
    PrekeyCounts counts;
    {
        SC_TRY_ASSIGN(
            auto select,
            db.prepare("SELECT key_id, made_at_ms FROM signed_prekeys WHERE device_id = ?",
                       during));
        select->bind_int64(1, device_id);
        SC_TRY_ASSIGN(sql::Step step, select->step());
        if (step == sql::Step::row) {
            auto id = select->get_int64(0);
            auto ts = select->get_int64(1);
            if (!id || !ts) {
                return refuse(StoreErrorCode::corrupt, "a signed prekey row is unreadable");
            }
            counts.spk_id = from_column(*id);
            counts.spk_ts = from_column(*ts);
        }
    }
    SC_TRY_ASSIGN(std::int64_t left,
                  query_count(db, "SELECT COUNT(*) FROM one_time_prekeys WHERE device_id = ?",
                              {device_id}, during));
    counts.one_time_left = static_cast<std::uint64_t>(left);
    return counts;
}

// Columns: key_id, prekey, made_at_ms, sig from `first`.
StoreResult<StoredPrekey> prekey_from_row(const sql::Statement& row, int first) {
    auto id = row.get_int64(first);
    auto key = row.get_blob(first + 1);
    auto ts = row.get_int64(first + 2);
    auto sig = row.get_blob(first + 3);
    if (!id || !key || !ts || !sig) {
        return refuse(StoreErrorCode::corrupt, "a prekey row is unreadable");
    }
    return StoredPrekey{from_column(*id), std::move(*key), from_column(*ts), std::move(*sig)};
}

StoreResult<bool> insert_prekey(sql::Connection& db, std::string_view table, std::int64_t device_id,
                                const StoredPrekey& key, std::string_view during) {
    SC_TRY_ASSIGN(auto insert, db.prepare("INSERT INTO " + std::string(table) +
                                              " (device_id, key_id, prekey, made_at_ms, sig)"
                                              " VALUES (?, ?, ?, ?, ?)",
                                          during));
    insert->bind_int64(1, device_id);
    insert->bind_int64(2, as_column(key.key_id));
    insert->bind_blob(3, key.key);
    insert->bind_int64(4, as_column(key.ts));
    insert->bind_blob(5, key.sig);
    SC_TRY(insert->step());
    return true;
}

}  // namespace

StoreResult<PrekeyCounts> SqlStore::publish_prekeys(
    std::int64_t account_id, const std::string& fingerprint,
    const std::optional<StoredPrekey>& signed_prekey, const std::vector<StoredPrekey>& one_time) {
    SC_TRY(check_publish(signed_prekey, one_time));
    const std::string_view during = "publishing prekeys";
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto transaction, db_->transaction(during));
    SC_TRY_ASSIGN(std::uint64_t accounts, lock_accounts(*db_, account_id, account_id, during));
    SC_TRY_ASSIGN(auto device, device_row(*db_, account_id, fingerprint, during));
    if (accounts == 0 || !device) {
        return refuse(StoreErrorCode::not_found, "the account has no such device");
    }
    for (const auto& key : one_time) {
        SC_TRY_ASSIGN(std::int64_t held, query_count(*db_,
                                                     "SELECT COUNT(*) FROM one_time_prekeys"
                                                     " WHERE device_id = ? AND key_id = ?",
                                                     {*device, as_column(key.key_id)}, during));
        if (held > 0) {
            return refuse(StoreErrorCode::invalid_argument,
                          "the device already has one-time prekey " + std::to_string(key.key_id));
        }
    }
    SC_TRY_ASSIGN(PrekeyCounts before, counts_of(*db_, *device, during));
    if (before.one_time_left + one_time.size() > proto::kMaxOneTimePrekeys) {
        return refuse(StoreErrorCode::limit_reached,
                      "the device holds " + std::to_string(before.one_time_left) +
                          " one-time prekeys; at most " +
                          std::to_string(proto::kMaxOneTimePrekeys) + " are kept");
    }
    if (signed_prekey) {
        SC_TRY_ASSIGN(auto remove,
                      db_->prepare("DELETE FROM signed_prekeys WHERE device_id = ?", during));
        remove->bind_int64(1, *device);
        SC_TRY(remove->step());
        SC_TRY(insert_prekey(*db_, "signed_prekeys", *device, *signed_prekey, during));
    }
    for (const auto& key : one_time) {
        SC_TRY(insert_prekey(*db_, "one_time_prekeys", *device, key, during));
    }
    SC_TRY_ASSIGN(PrekeyCounts after, counts_of(*db_, *device, during));
    SC_TRY(transaction.commit());
    return after;
}

StoreResult<PrekeyCounts> SqlStore::prekey_status(std::int64_t account_id,
                                                  const std::string& fingerprint) {
    const std::string_view during = "reading the prekey status";
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto device, device_row(*db_, account_id, fingerprint, during));
    if (!device) {
        return refuse(StoreErrorCode::not_found, "the account has no such device");
    }
    return counts_of(*db_, *device, during);
}

StoreResult<std::vector<DeviceRecord>> SqlStore::devices_with_prekeys(std::int64_t account_id) {
    const std::string_view during = "listing the devices with prekeys";
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto select,
                  db_->prepare("SELECT d.account_id, d.fingerprint, d.name, d.cert_der,"
                               " d.first_seen, d.last_seen FROM devices d"
                               " JOIN signed_prekeys s ON s.device_id = d.id"
                               " WHERE d.account_id = ? ORDER BY d.first_seen, d.id LIMIT ?",
                               during));
    bind_params(*select, {account_id, static_cast<std::int64_t>(proto::kMaxDevicesPerUser)});
    std::vector<DeviceRecord> devices;
    for (;;) {
        SC_TRY_ASSIGN(sql::Step step, select->step());
        if (step == sql::Step::done) {
            return devices;
        }
        DeviceRecord device;
        auto account = select->get_int64(0);
        auto first_seen = select->get_time(4);
        auto last_seen = select->get_time(5);
        if (!account || !first_seen || !last_seen) {
            return refuse(StoreErrorCode::corrupt, "a device row has unreadable columns");
        }
        device.account_id = *account;
        device.fingerprint = select->get_text(1).value_or("");
        device.name = select->get_text(2).value_or("");
        device.cert_der = select->get_blob(3).value_or(Bytes{});
        device.first_seen = *first_seen;
        device.last_seen = *last_seen;
        devices.push_back(std::move(device));
    }
}

StoreResult<std::optional<PrekeyBundle>> SqlStore::take_bundle(std::int64_t account_id,
                                                               const std::string& fingerprint) {
    const std::string_view during = "handing out a prekey bundle";
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto transaction, db_->transaction(during));
    // Takers of this account's keys queue here (MariaDB: the row lock; SQLite: the write lock
    // BEGIN IMMEDIATE took), so what they read below is what the one before them committed.
    SC_TRY_ASSIGN(std::uint64_t accounts, lock_accounts(*db_, account_id, account_id, during));
    if (accounts == 0) {
        return std::optional<PrekeyBundle>{};
    }
    PrekeyBundle bundle;
    std::int64_t device_id = 0;
    {
        SC_TRY_ASSIGN(auto select,
                      db_->prepare("SELECT d.id, d.fingerprint, d.name, d.cert_der, s.key_id,"
                                   " s.prekey, s.made_at_ms, s.sig FROM devices d"
                                   " JOIN signed_prekeys s ON s.device_id = d.id"
                                   " WHERE d.account_id = ? AND d.fingerprint = ?",
                                   during));
        bind_params(*select, {account_id, fingerprint});
        SC_TRY_ASSIGN(sql::Step step, select->step());
        if (step == sql::Step::done) {
            return std::optional<PrekeyBundle>{};
        }
        auto id = select->get_int64(0);
        if (!id) {
            return refuse(StoreErrorCode::corrupt, "a device row has no readable id");
        }
        device_id = *id;
        bundle.fingerprint = select->get_text(1).value_or("");
        bundle.name = select->get_text(2).value_or("");
        bundle.cert_der = select->get_blob(3).value_or(Bytes{});
        SC_TRY_ASSIGN(bundle.signed_prekey, prekey_from_row(*select, 4));
    }
    {
        SC_TRY_ASSIGN(auto select, db_->prepare("SELECT key_id, prekey, made_at_ms, sig"
                                                " FROM one_time_prekeys WHERE device_id = ?"
                                                " ORDER BY key_id LIMIT 1",
                                                during));
        select->bind_int64(1, device_id);
        SC_TRY_ASSIGN(sql::Step step, select->step());
        if (step == sql::Step::row) {
            SC_TRY_ASSIGN(StoredPrekey key, prekey_from_row(*select, 0));
            bundle.one_time = std::move(key);
        }
    }
    if (bundle.one_time) {
        SC_TRY_ASSIGN(auto remove, db_->prepare("DELETE FROM one_time_prekeys"
                                                " WHERE device_id = ? AND key_id = ?",
                                                during));
        bind_params(*remove, {device_id, as_column(bundle.one_time->key_id)});
        SC_TRY_ASSIGN(bool deleted, update_one(*remove));
        if (!deleted) {
            // Someone else took it between our read and our delete: the lock above should make
            // this impossible; never hand out a key that may have gone to another.
            return refuse(StoreErrorCode::unavailable,
                          std::string(during) + ": the one-time prekey was taken meanwhile");
        }
    }
    SC_TRY(transaction.commit());
    return std::optional<PrekeyBundle>{std::move(bundle)};
}

}  // namespace sc::store

// Devices: the certificates each account has logged in with, and when; removing one removes
// its prekeys (prekey_store_sql.cpp).
#include <algorithm>

#include "common/display_text.h"
#include "proto/limits.h"
#include "store/account_store_sql.h"
#include "store/store_internal.h"

namespace sc::store {
namespace {

using detail::store_error;

constexpr std::string_view kDeviceColumns =
    "account_id, fingerprint, name, cert_der, first_seen, last_seen";

bool is_fingerprint(const std::string& text) {
    return text.size() == proto::kHexDigestChars &&
           std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

StoreResult<bool> check_device(const std::string& fingerprint, const std::string& name,
                               ByteView cert_der) {
    auto refuse = [](std::string why) {
        return fail(store_error(StoreErrorCode::invalid_argument, std::move(why)));
    };
    if (!is_fingerprint(fingerprint)) {
        return refuse("a device fingerprint must be 64 lowercase hex digits (SHA-256)");
    }
    if (name.empty() || name.size() > proto::kMaxDeviceNameBytes || !is_valid_utf8(name)) {
        return refuse("a device name must be 1-" + std::to_string(proto::kMaxDeviceNameBytes) +
                      " bytes of UTF-8");
    }
    if (cert_der.empty() || cert_der.size() > proto::kMaxCertBytes) {
        return refuse("a device certificate must be 1-" + std::to_string(proto::kMaxCertBytes) +
                      " bytes of DER");
    }
    return true;
}

// Columns: kDeviceColumns.
StoreResult<DeviceRecord> device_from_row(const sql::Statement& row) {
    DeviceRecord device;
    auto account = row.get_int64(0);
    auto first_seen = row.get_time(4);
    auto last_seen = row.get_time(5);
    if (!account || !first_seen || !last_seen) {
        return fail(store_error(StoreErrorCode::corrupt, "a device row has unreadable columns"));
    }
    device.account_id = *account;
    device.fingerprint = row.get_text(1).value_or("");
    device.name = row.get_text(2).value_or("");
    device.cert_der = row.get_blob(3).value_or(Bytes{});
    device.first_seen = *first_seen;
    device.last_seen = *last_seen;
    return device;
}

}  // namespace

StoreResult<DeviceRecord> SqlStore::record_device(std::int64_t account_id,
                                                  const std::string& fingerprint,
                                                  const std::string& name, ByteView cert_der,
                                                  TimePoint when) {
    SC_TRY(check_device(fingerprint, name, cert_der));
    when = detail::truncate_to_ms(when);
    const std::string_view during = "recording a device";
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto transaction, db_->transaction(during));
    // The account's row lock makes the count and the insert one step for concurrent logins.
    SC_TRY_ASSIGN(std::uint64_t accounts, lock_accounts(*db_, account_id, account_id, during));
    if (accounts == 0) {
        return fail(store_error(StoreErrorCode::not_found, "no account has this id"));
    }
    SC_TRY_ASSIGN(auto select,
                  db_->prepare("SELECT " + std::string(kDeviceColumns) +
                                   " FROM devices WHERE account_id = ? AND fingerprint = ?",
                               during));
    bind_params(*select, {account_id, fingerprint});
    SC_TRY_ASSIGN(sql::Step step, select->step());
    if (step == sql::Step::row) {
        SC_TRY_ASSIGN(DeviceRecord known, device_from_row(*select));
        SC_TRY_ASSIGN(auto update, db_->prepare("UPDATE devices SET last_seen = ?"
                                                " WHERE account_id = ? AND fingerprint = ?",
                                                during));
        update->bind_time(1, when);
        update->bind_int64(2, account_id);
        update->bind_text(3, fingerprint);
        SC_TRY(update->step());
        SC_TRY(transaction.commit());
        known.last_seen = when;
        return known;
    }
    SC_TRY_ASSIGN(std::int64_t count,
                  query_count(*db_, "SELECT COUNT(*) FROM devices WHERE account_id = ?",
                              {account_id}, during));
    if (count >= static_cast<std::int64_t>(proto::kMaxDevicesPerUser)) {
        return fail(store_error(StoreErrorCode::limit_reached,
                                "the account already has " +
                                    std::to_string(proto::kMaxDevicesPerUser) +
                                    " devices; remove one first"));
    }
    SC_TRY_ASSIGN(auto insert, db_->prepare("INSERT INTO devices (" + std::string(kDeviceColumns) +
                                                ") VALUES (?, ?, ?, ?, ?, ?)",
                                            during));
    bind_params(*insert, {account_id, fingerprint, name});
    insert->bind_blob(4, cert_der);
    insert->bind_time(5, when);
    insert->bind_time(6, when);
    SC_TRY(insert->step());
    SC_TRY(transaction.commit());
    return DeviceRecord{account_id, fingerprint, name, Bytes(cert_der.begin(), cert_der.end()),
                        when,       when};
}

StoreResult<std::vector<DeviceRecord>> SqlStore::devices(std::int64_t account_id) {
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto select, db_->prepare("SELECT " + std::string(kDeviceColumns) +
                                                " FROM devices WHERE account_id = ?"
                                                " ORDER BY first_seen, id LIMIT ?",
                                            "listing devices"));
    bind_params(*select, {account_id, static_cast<std::int64_t>(proto::kMaxDevicesPerUser)});
    std::vector<DeviceRecord> devices;
    for (;;) {
        SC_TRY_ASSIGN(sql::Step step, select->step());
        if (step == sql::Step::done) {
            return devices;
        }
        SC_TRY_ASSIGN(DeviceRecord device, device_from_row(*select));
        devices.push_back(std::move(device));
    }
}

StoreResult<bool> SqlStore::remove_device(std::int64_t account_id, const std::string& fingerprint) {
    const std::string_view during = "removing a device";
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto transaction, db_->transaction(during));
    // Its prekeys first, in the same transaction (the foreign keys would cascade too; this does
    // not depend on them): nobody can fetch a bundle of a removed device.
    for (std::string_view table : {"signed_prekeys", "one_time_prekeys"}) {
        SC_TRY_ASSIGN(auto keys, db_->prepare("DELETE FROM " + std::string(table) +
                                                  " WHERE device_id IN (SELECT id FROM devices"
                                                  " WHERE account_id = ? AND fingerprint = ?)",
                                              during));
        bind_params(*keys, {account_id, fingerprint});
        SC_TRY(keys->step());
    }
    SC_TRY_ASSIGN(
        auto remove,
        db_->prepare("DELETE FROM devices WHERE account_id = ? AND fingerprint = ?", during));
    bind_params(*remove, {account_id, fingerprint});
    SC_TRY_ASSIGN(bool removed, update_one(*remove));
    SC_TRY(transaction.commit());
    return removed;
}

}  // namespace sc::store

// The Store written once, against store/sql: the same statements on SQLite and MariaDB, one
// class whose methods live in one file per domain (account_store_sql.cpp, device_store_sql.cpp,
// friend_store_sql.cpp, prekey_store_sql.cpp,
// envelope_store_sql.cpp). The backends' open_* functions build it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <variant>

#include "store/social_store.h"
#include "store/sql/database.h"

namespace sc::store {

// Takes a connection whose schema is already at SchemaVersion::latest.
std::unique_ptr<Store> make_sql_store(std::unique_ptr<sql::Connection> db);

// duplicate_username / duplicate_email when a unique key on that column refused a row.
std::optional<StoreErrorCode> duplicate_account_field(const sql::Error& error);

// A statement parameter, for the helpers below: bound in order from ?1.
using SqlParam = std::variant<std::int64_t, std::string_view>;
void bind_params(sql::Statement& statement, std::initializer_list<SqlParam> params);
// The first column of the first row of a COUNT(*) (or any integer) query.
StoreResult<std::int64_t> query_count(sql::Connection& db, std::string_view query,
                                      std::initializer_list<SqlParam> params,
                                      std::string_view during);
// Inside a transaction: takes the write locks of these users rows, in ascending id, in one
// statement (an UPDATE that changes nothing: portable, and on MariaDB a locking read, so that
// what the transaction reads afterwards is what was committed before). Returns how many of the
// accounts exist. Pass the same id twice to lock one.
StoreResult<std::uint64_t> lock_accounts(sql::Connection& db, std::int64_t first,
                                         std::int64_t second, std::string_view during);

// One connection behind a mutex, since the server calls the store from its worker pool. Every
// change of more than one row is one transaction; the friend and device changes first lock the
// users rows they concern (ascending id, one statement), so that concurrent changes of the same
// pair or account run one after the other on MariaDB too (SQLite's BEGIN IMMEDIATE already
// serialises all writers).
class SqlStore final : public Store {
  public:
    explicit SqlStore(std::unique_ptr<sql::Connection> db) : db_(std::move(db)) {}

    // AccountStore (account_store_sql.cpp)
    StoreResult<Account> create_account(const std::string& email, const std::string& username,
                                        const PasswordRecord& password, Role role) override;
    StoreResult<std::optional<Credentials>> find_by_username(const std::string& username) override;
    StoreResult<bool> update_password(std::int64_t account_id,
                                      const PasswordRecord& password) override;
    StoreResult<bool> record_login(std::int64_t account_id, TimePoint when) override;
    StoreResult<bool> set_disabled(std::int64_t account_id, bool disabled) override;
    StoreResult<bool> set_role(std::int64_t account_id, Role role) override;
    StoreResult<std::optional<Account>> find_account(const std::string& username) override;
    StoreResult<std::vector<Account>> list_accounts() override;
    StoreResult<int> schema_version() override;
    std::string backend() const override { return db_->describe(); }

    // DeviceStore (device_store_sql.cpp)
    StoreResult<DeviceRecord> record_device(std::int64_t account_id, const std::string& fingerprint,
                                            const std::string& name, ByteView cert_der,
                                            TimePoint when) override;
    StoreResult<std::vector<DeviceRecord>> devices(std::int64_t account_id) override;
    StoreResult<bool> remove_device(std::int64_t account_id,
                                    const std::string& fingerprint) override;

    // FriendStore (friend_store_sql.cpp)
    StoreResult<RequestOutcome> request_friend(std::int64_t from_account,
                                               const std::string& to_username,
                                               TimePoint when) override;
    StoreResult<AnswerOutcome> accept_friend(std::int64_t account, const std::string& from_username,
                                             TimePoint when) override;
    StoreResult<AnswerOutcome> decline_friend(std::int64_t account,
                                              const std::string& from_username) override;
    StoreResult<RemoveOutcome> remove_friend(std::int64_t account,
                                             const std::string& username) override;
    StoreResult<std::vector<FriendEntry>> friends(std::int64_t account) override;
    StoreResult<bool> are_friends(const std::string& a, const std::string& b) override;

    // PrekeyStore (prekey_store_sql.cpp)
    StoreResult<PrekeyCounts> publish_prekeys(std::int64_t account_id,
                                              const std::string& fingerprint,
                                              const std::optional<StoredPrekey>& signed_prekey,
                                              const std::vector<StoredPrekey>& one_time) override;
    StoreResult<PrekeyCounts> prekey_status(std::int64_t account_id,
                                            const std::string& fingerprint) override;
    StoreResult<std::vector<DeviceRecord>> devices_with_prekeys(std::int64_t account_id) override;
    StoreResult<std::optional<PrekeyBundle>> take_bundle(std::int64_t account_id,
                                                         const std::string& fingerprint) override;

    // EnvelopeStore (envelope_store_sql.cpp)
    StoreResult<HeldEnvelope> hold_envelope(std::int64_t to_account, const HeldEnvelope& envelope,
                                            const HeldQuota& quota) override;
    StoreResult<std::vector<HeldEnvelope>> held_for(std::int64_t to_account,
                                                    const std::string& to_fingerprint,
                                                    const std::vector<std::uint64_t>& skip,
                                                    std::size_t limit,
                                                    std::uint64_t now_ms) override;
    StoreResult<std::size_t> release_envelopes(std::int64_t to_account,
                                               const std::string& to_fingerprint,
                                               const std::vector<std::uint64_t>& held) override;
    StoreResult<std::size_t> expire_envelopes(std::uint64_t now_ms) override;
    StoreResult<HeldCounts> held_counts(std::int64_t to_account,
                                        const std::string& to_fingerprint) override;

  private:
    // Runs a prepared UPDATE or DELETE; true when it matched a row.
    static StoreResult<bool> update_one(sql::Statement& update);

    std::mutex mutex_;
    std::unique_ptr<sql::Connection> db_;
};

}  // namespace sc::store

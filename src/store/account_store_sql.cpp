// Accounts in the seeds' `users` table. Prepared statements only.
#include "store/account_store_sql.h"

#include <chrono>
#include <mutex>
#include <string_view>

#include "store/accounts.h"
#include "store/migrations.h"
#include "store/store_internal.h"

namespace sc::store {
namespace {

using detail::store_error;

// A failure as the account store reports it: a refused unique key says which rule failed.
StoreError account_error(sql::Error error) {
    switch (duplicate_account_field(error).value_or(StoreErrorCode::internal)) {
        case StoreErrorCode::duplicate_username:
            return store_error(StoreErrorCode::duplicate_username, "username is already taken");
        case StoreErrorCode::duplicate_email:
            return store_error(StoreErrorCode::duplicate_email,
                               "an account with this email already exists");
        default:
            return error;
    }
}

// The account columns, in this order; find_by_username adds the password's.
#define SC_ACCOUNT_COLUMNS "id, email, username, role, disabled, created_at, last_login_at"

// Columns 0-6: SC_ACCOUNT_COLUMNS.
StoreResult<Account> account_from_row(const sql::Statement& row) {
    Account account;
    auto id = row.get_int64(0);
    if (!id) {
        return fail(store_error(StoreErrorCode::corrupt, "an account has no numeric id"));
    }
    account.id = *id;
    const std::string which = "account " + std::to_string(*id);
    account.email = row.get_text(1).value_or("");
    account.username = row.get_text(2).value_or("");
    auto role = detail::parse_role(row.get_text(3).value_or(""));
    if (!role) {
        return fail(store_error(StoreErrorCode::corrupt, which + " has an unknown role"));
    }
    account.role = *role;
    account.disabled = row.get_int64(4).value_or(0) != 0;
    auto created = row.get_time(5);
    if (!created) {
        return fail(store_error(StoreErrorCode::corrupt, which + " has an unreadable created_at"));
    }
    account.created_at = *created;
    if (!row.is_null(6)) {
        account.last_login = row.get_time(6);
        if (!account.last_login) {
            return fail(
                store_error(StoreErrorCode::corrupt, which + " has an unreadable last_login_at"));
        }
    }
    return account;
}

// The columns find_by_username reads, in this order.
constexpr std::string_view kSelectCredentials = "SELECT " SC_ACCOUNT_COLUMNS
                                                ", salt, pwd_hash, hash_alg, opslimit, memlimit"
                                                " FROM users WHERE username = ?";

StoreResult<Credentials> credentials_from_row(const sql::Statement& row) {
    Credentials found;
    SC_TRY_ASSIGN(found.account, account_from_row(row));
    const std::string which = "account " + std::to_string(found.account.id);
    found.password.salt = row.get_blob(7).value_or(Bytes{});
    auto hash = from_hex(row.get_text(8).value_or(""));
    if (!hash) {
        return fail(
            store_error(StoreErrorCode::corrupt, which + " has a password hash that is not hex"));
    }
    found.password.hash = std::move(*hash);
    found.password.algorithm = row.get_text(9).value_or("");
    auto opslimit = row.get_int64(10);
    auto memlimit = row.get_int64(11);
    if (!opslimit || !memlimit) {
        return fail(
            store_error(StoreErrorCode::corrupt, which + " has unreadable hash parameters"));
    }
    if (*opslimit < 0 || *memlimit < 0) {
        return fail(store_error(StoreErrorCode::corrupt, which + " has negative hash parameters"));
    }
    found.password.opslimit = static_cast<std::uint64_t>(*opslimit);
    found.password.memlimit = static_cast<std::uint64_t>(*memlimit);
    return found;
}

}  // namespace

StoreResult<bool> SqlStore::update_one(sql::Statement& update) {
    SC_TRY(update.step());
    return update.affected_rows() > 0;
}

StoreResult<Account> SqlStore::create_account(const std::string& email, const std::string& username,
                                              const PasswordRecord& password, Role role) {
    Account account;
    account.email = email;
    account.username = username;
    account.role = role;
    account.created_at = detail::truncate_to_ms(std::chrono::system_clock::now());
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto insert, db_->prepare("INSERT INTO users (email, username, salt, pwd_hash,"
                                            " role, disabled, created_at, hash_alg, opslimit,"
                                            " memlimit) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                                            "creating an account"));
    insert->bind_text(1, email);
    insert->bind_text(2, username);
    insert->bind_blob(3, password.salt);
    insert->bind_text(4, to_hex(password.hash));
    insert->bind_text(5, role_name(role));
    insert->bind_time(6, account.created_at);
    insert->bind_text(7, password.algorithm);
    insert->bind_int64(8, static_cast<std::int64_t>(password.opslimit));
    insert->bind_int64(9, static_cast<std::int64_t>(password.memlimit));
    if (auto inserted = insert->step(); !inserted) {
        return fail(account_error(std::move(inserted).error()));
    }
    account.id = insert->last_insert_id();
    return account;
}

StoreResult<std::optional<Credentials>> SqlStore::find_by_username(const std::string& username) {
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto select, db_->prepare(kSelectCredentials, "looking up an account"));
    select->bind_text(1, username);
    SC_TRY_ASSIGN(sql::Step step, select->step());
    if (step == sql::Step::done) {
        return std::optional<Credentials>{};
    }
    SC_TRY_ASSIGN(Credentials found, credentials_from_row(*select));
    return std::optional<Credentials>{std::move(found)};
}

StoreResult<bool> SqlStore::update_password(std::int64_t account_id,
                                            const PasswordRecord& password) {
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto update, db_->prepare("UPDATE users SET salt = ?, pwd_hash = ?,"
                                            " hash_alg = ?, opslimit = ?, memlimit = ?"
                                            " WHERE id = ?",
                                            "updating a password"));
    update->bind_blob(1, password.salt);
    update->bind_text(2, to_hex(password.hash));
    update->bind_text(3, password.algorithm);
    update->bind_int64(4, static_cast<std::int64_t>(password.opslimit));
    update->bind_int64(5, static_cast<std::int64_t>(password.memlimit));
    update->bind_int64(6, account_id);
    return update_one(*update);
}

StoreResult<bool> SqlStore::record_login(std::int64_t account_id, TimePoint when) {
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto update, db_->prepare("UPDATE users SET last_login_at = ? WHERE id = ?",
                                            "recording a login"));
    update->bind_time(1, when);
    update->bind_int64(2, account_id);
    return update_one(*update);
}

StoreResult<bool> SqlStore::set_disabled(std::int64_t account_id, bool disabled) {
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto update, db_->prepare("UPDATE users SET disabled = ? WHERE id = ?",
                                            "disabling an account"));
    update->bind_int64(1, disabled ? 1 : 0);
    update->bind_int64(2, account_id);
    return update_one(*update);
}

StoreResult<bool> SqlStore::set_role(std::int64_t account_id, Role role) {
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto update,
                  db_->prepare("UPDATE users SET role = ? WHERE id = ?", "changing a role"));
    update->bind_text(1, role_name(role));
    update->bind_int64(2, account_id);
    return update_one(*update);
}

StoreResult<std::optional<Account>> SqlStore::find_account(const std::string& username) {
    // A name that breaks the rules is no account (and MariaDB would match "alice " to "alice").
    if (!validate_username(username)) {
        return std::optional<Account>{};
    }
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto select,
                  db_->prepare("SELECT " SC_ACCOUNT_COLUMNS " FROM users WHERE username = ?",
                               "looking up an account"));
    select->bind_text(1, username);
    SC_TRY_ASSIGN(sql::Step step, select->step());
    if (step == sql::Step::done) {
        return std::optional<Account>{};
    }
    SC_TRY_ASSIGN(Account found, account_from_row(*select));
    return std::optional<Account>{std::move(found)};
}

StoreResult<std::vector<Account>> SqlStore::list_accounts() {
    std::lock_guard lock(mutex_);
    SC_TRY_ASSIGN(auto select,
                  db_->prepare("SELECT " SC_ACCOUNT_COLUMNS " FROM users ORDER BY id LIMIT ?",
                               "listing the accounts"));
    select->bind_int64(1, static_cast<std::int64_t>(kMaxListedAccounts));
    std::vector<Account> accounts;
    for (;;) {
        SC_TRY_ASSIGN(sql::Step step, select->step());
        if (step == sql::Step::done) {
            return accounts;
        }
        SC_TRY_ASSIGN(Account account, account_from_row(*select));
        accounts.push_back(std::move(account));
    }
}

StoreResult<int> SqlStore::schema_version() {
    std::lock_guard lock(mutex_);
    return read_schema_version(*db_);
}

void bind_params(sql::Statement& statement, std::initializer_list<SqlParam> params) {
    int index = 1;
    for (const SqlParam& param : params) {
        if (const auto* number = std::get_if<std::int64_t>(&param)) {
            statement.bind_int64(index, *number);
        } else {
            statement.bind_text(index, std::get<std::string_view>(param));
        }
        ++index;
    }
}

StoreResult<std::int64_t> query_count(sql::Connection& db, std::string_view query,
                                      std::initializer_list<SqlParam> params,
                                      std::string_view during) {
    SC_TRY_ASSIGN(auto select, db.prepare(query, during));
    bind_params(*select, params);
    SC_TRY_ASSIGN(sql::Step step, select->step());
    auto value = step == sql::Step::row ? select->get_int64(0) : std::nullopt;
    if (!value) {
        return fail(store_error(StoreErrorCode::internal,
                                std::string(during) + ": a count returned no number"));
    }
    return *value;
}

StoreResult<std::uint64_t> lock_accounts(sql::Connection& db, std::int64_t first,
                                         std::int64_t second, std::string_view during) {
    SC_TRY_ASSIGN(auto lock,
                  db.prepare("UPDATE users SET disabled = disabled WHERE id IN (?, ?)", during));
    bind_params(*lock, {first, second});
    SC_TRY(lock->step());
    return lock->affected_rows();
}

std::optional<StoreErrorCode> duplicate_account_field(const sql::Error& error) {
    // SQLite names the column ("users.email"), MariaDB the key ("users_email_unique", or
    // "username" for the seeds' own UNIQUE column).
    if (error.unique_key.find("email") != std::string::npos) {
        return StoreErrorCode::duplicate_email;
    }
    if (error.unique_key.find("username") != std::string::npos) {
        return StoreErrorCode::duplicate_username;
    }
    return std::nullopt;
}

std::unique_ptr<Store> make_sql_store(std::unique_ptr<sql::Connection> db) {
    return std::make_unique<SqlStore>(std::move(db));
}

}  // namespace sc::store

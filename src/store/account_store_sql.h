// The AccountStore written once, against store/sql: the same statements on SQLite and MariaDB,
// one row -> Credentials mapping. The backends' open_* functions build it.
#pragma once

#include <memory>
#include <optional>

#include "store/account_store.h"
#include "store/sql/database.h"

namespace sc::store {

// Takes a connection whose schema is already at SchemaVersion::latest.
std::unique_ptr<AccountStore> make_sql_account_store(std::unique_ptr<sql::Connection> db);

// duplicate_username / duplicate_email when a unique key on that column refused a row.
std::optional<StoreErrorCode> duplicate_account_field(const sql::Error& error);

}  // namespace sc::store

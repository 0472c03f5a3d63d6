// The SQLite implementation of store/sql/database.h: one sqlite3 connection, its error codes
// sorted into the store's.
#pragma once

#include <filesystem>
#include <memory>

#include "store/sql/database.h"

namespace sc::store::sqlite {

// Opens (creating if needed) the file, in WAL mode with synchronous=FULL, foreign keys on and a
// busy timeout. The connection is not thread-safe (SQLITE_OPEN_NOMUTEX): its user serialises.
sql::SqlResult<std::unique_ptr<sql::Connection>> open_database(const std::filesystem::path& path);

}  // namespace sc::store::sqlite

// What only the SQLite backend does: its file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/social_store.h"
#include "support/temp_dir.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

TEST(SqliteStore, RefusesAFileThatIsNotADatabase) {
    sc::test::TempDir dir;
    sc::test::write_text(dir / "accounts.db", std::string(4096, 'x'));
    auto store = open_sqlite(dir / "accounts.db");
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, StoreErrorCode::corrupt) << store.error().message;
    EXPECT_NE(store.error().message.find("accounts.db"), std::string::npos);
}

TEST(SqliteStore, SaysWhenTheFileCannotBeCreated) {
    sc::test::TempDir dir;
    auto store = open_sqlite(dir / "no-such-directory" / "accounts.db");
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, StoreErrorCode::unavailable);
    EXPECT_NE(store.error().message.find("cannot open the SQLite database"), std::string::npos)
        << store.error().message;
}

TEST(SqliteStore, UsesWriteAheadLogging) {
    sc::test::TempDir dir;
    auto store = open_sqlite(dir / "accounts.db");
    ASSERT_TRUE(store) << store.error().message;
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "accounts.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

}  // namespace
}  // namespace sc::store::test

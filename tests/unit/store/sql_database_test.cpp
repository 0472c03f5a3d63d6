// The prepared-statement layer (store/sql/database.h) behaves the same on each backend.
#include <gtest/gtest.h>

#include <chrono>

#include "store/mariadb/connection.h"
#include "store/sql/database.h"
#include "store/sqlite/sqlite_database.h"
#include "unit/store/store_fixture.h"

namespace sc::store::test {
namespace {

class SqlDatabaseTest : public StoreTest {
  protected:
    std::unique_ptr<sql::Connection> connect() {
        if (is_mariadb()) {
            auto db = std::make_unique<mariadb::MariaDbConnection>(mariadb_config(),
                                                                   mariadb::kServiceTimeoutSeconds);
            auto connected = db->connect();
            EXPECT_TRUE(connected) << connected.error().message;
            return db;
        }
        auto db = sqlite::open_database(sqlite_path());
        EXPECT_TRUE(db) << db.error().message;
        return db ? std::move(db).value() : nullptr;
    }
    // The same table in each dialect.
    std::string dialect(const std::string& sqlite, const std::string& mariadb) const {
        return is_mariadb() ? mariadb : sqlite;
    }
    void create_table(sql::Connection& db) {
        auto created = db.execute(
            dialect("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n BIGINT, s TEXT,"
                    " b BLOB, z TEXT, at INTEGER, name TEXT UNIQUE)",
                    "CREATE TABLE t (id INT PRIMARY KEY AUTO_INCREMENT, n BIGINT, s VARCHAR(64),"
                    " b VARBINARY(64), z VARCHAR(8), at DATETIME(3), name VARCHAR(64) UNIQUE)"),
            "creating t");
        ASSERT_TRUE(created) << created.error().message;
    }
    std::int64_t count(sql::Connection& db) {
        auto select = db.prepare("SELECT COUNT(*) FROM t", "counting");
        EXPECT_TRUE(select);
        if (!select) {
            return -1;
        }
        auto step = (*select)->step();
        EXPECT_TRUE(step && *step == sql::Step::row);
        return (*select)->get_int64(0).value_or(-1);
    }
};
INSTANTIATE_TEST_SUITE_P(Backends, SqlDatabaseTest, tested_backends(), backend_param_name);

TEST_P(SqlDatabaseTest, BindsAndReadsEveryType) {
    auto db = connect();
    ASSERT_TRUE(db);
    create_table(*db);
    const TimePoint when =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const Bytes blob{0x00, 0x01, 0xff, 0x27};
    auto insert = db->prepare("INSERT INTO t (n, s, b, z, at) VALUES (?, ?, ?, ?, ?)", "inserting");
    ASSERT_TRUE(insert) << insert.error().message;
    (*insert)->bind_int64(1, -(std::int64_t{1} << 40));
    (*insert)->bind_text(2, "it's \"quoted\"; DROP TABLE t; --");
    (*insert)->bind_blob(3, blob);
    (*insert)->bind_null(4);
    (*insert)->bind_time(5, when);
    auto inserted = (*insert)->step();
    ASSERT_TRUE(inserted) << inserted.error().message;
    EXPECT_EQ(*inserted, sql::Step::done);
    EXPECT_EQ((*insert)->affected_rows(), 1u);
    EXPECT_EQ((*insert)->last_insert_id(), 1);

    auto select = db->prepare("SELECT n, s, b, z, at FROM t WHERE id = ?", "reading");
    ASSERT_TRUE(select) << select.error().message;
    (*select)->bind_int64(1, 1);
    auto row = (*select)->step();
    ASSERT_TRUE(row) << row.error().message;
    ASSERT_EQ(*row, sql::Step::row);
    const sql::Statement& got = **select;
    EXPECT_EQ(got.get_int64(0), -(std::int64_t{1} << 40));
    EXPECT_EQ(got.get_text(1), "it's \"quoted\"; DROP TABLE t; --");
    EXPECT_EQ(got.get_blob(2), blob);
    EXPECT_TRUE(got.is_null(3));
    EXPECT_FALSE(got.get_text(3));
    EXPECT_EQ(got.get_time(4), when);
    auto end = (*select)->step();
    ASSERT_TRUE(end);
    EXPECT_EQ(*end, sql::Step::done);
}

TEST_P(SqlDatabaseTest, ResetRunsTheStatementAgain) {
    auto db = connect();
    ASSERT_TRUE(db);
    create_table(*db);
    auto insert = db->prepare("INSERT INTO t (n) VALUES (?)", "inserting");
    ASSERT_TRUE(insert) << insert.error().message;
    for (std::int64_t n = 1; n <= 3; ++n) {
        (*insert)->reset();
        (*insert)->bind_int64(1, n);
        ASSERT_TRUE((*insert)->step());
        EXPECT_EQ((*insert)->last_insert_id(), n);
    }
    EXPECT_EQ(count(*db), 3);
    auto update = db->prepare("UPDATE t SET n = 0 WHERE n >= ?", "updating");
    ASSERT_TRUE(update);
    (*update)->bind_int64(1, 2);
    ASSERT_TRUE((*update)->step());
    EXPECT_EQ((*update)->affected_rows(), 2u);
}

TEST_P(SqlDatabaseTest, ATransactionIsRolledBackUnlessCommitted) {
    auto db = connect();
    ASSERT_TRUE(db);
    create_table(*db);
    {
        auto transaction = db->transaction("dropping a transaction");
        ASSERT_TRUE(transaction) << transaction.error().message;
        ASSERT_TRUE(db->execute("INSERT INTO t (n) VALUES (1)", "inserting"));
    }
    EXPECT_EQ(count(*db), 0);
    auto transaction = db->transaction("committing a transaction");
    ASSERT_TRUE(transaction) << transaction.error().message;
    ASSERT_TRUE(db->execute("INSERT INTO t (n) VALUES (1)", "inserting"));
    auto committed = transaction->commit();
    ASSERT_TRUE(committed) << committed.error().message;
    EXPECT_EQ(count(*db), 1);
}

TEST_P(SqlDatabaseTest, AUniqueKeyIsNamedButTheValueIsNotQuoted) {
    auto db = connect();
    ASSERT_TRUE(db);
    create_table(*db);
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto insert = db->prepare("INSERT INTO t (name) VALUES (?)", "inserting a name");
        ASSERT_TRUE(insert);
        (*insert)->bind_text(1, "secret-value");
        auto inserted = (*insert)->step();
        if (attempt == 0) {
            ASSERT_TRUE(inserted) << inserted.error().message;
            continue;
        }
        ASSERT_FALSE(inserted);
        EXPECT_EQ(inserted.error().code, StoreErrorCode::internal);
        EXPECT_NE(inserted.error().unique_key.find("name"), std::string::npos)
            << inserted.error().unique_key;
        EXPECT_EQ(inserted.error().message.find("secret-value"), std::string::npos)
            << inserted.error().message;
        EXPECT_NE(inserted.error().message.find("inserting a name"), std::string::npos)
            << inserted.error().message;
    }
}

TEST_P(SqlDatabaseTest, BadSqlIsAnInternalErrorThatSaysWhatWasBeingDone) {
    auto db = connect();
    ASSERT_TRUE(db);
    auto bad = db->prepare("SELEKT 1", "testing bad SQL");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, StoreErrorCode::internal);
    EXPECT_TRUE(bad.error().unique_key.empty());
    EXPECT_NE(bad.error().message.find("testing bad SQL"), std::string::npos)
        << bad.error().message;
}

}  // namespace
}  // namespace sc::store::test

// The MariaDB implementation of store/sql/database.h (MariaDB Connector/C): one connection that
// re-establishes itself, with the same configuration, at the first use after it was lost.
#pragma once

#include <mysql.h>

#include <memory>
#include <string>

#include "common/free_with.h"
#include "store/sql/database.h"

namespace sc::store::mariadb {

// Every wait on the server is bounded: an outage costs a caller a few seconds, not a hang.
constexpr unsigned kServiceTimeoutSeconds = 3;
// Migrations may rebuild a large table; they run once, at open, with a longer read timeout.
constexpr unsigned kMigrationReadTimeoutSeconds = 120;

using ConnPtr = std::unique_ptr<MYSQL, FreeWith<mysql_close>>;

class MariaDbConnection final : public sql::Connection {
  public:
    MariaDbConnection(MariaDbConfig config, unsigned read_timeout_seconds)
        : config_(std::move(config)), read_timeout_seconds_(read_timeout_seconds) {}

    // Connects now (open's first contact, so that a wrong password is reported at open).
    sql::SqlResult<bool> connect();
    // Drops the connection and connects again with another read timeout.
    sql::SqlResult<bool> reconnect_with_read_timeout(unsigned seconds);

    sql::SqlResult<std::unique_ptr<sql::Statement>> prepare(std::string_view sql,
                                                            std::string_view during) override;
    std::string describe() const override { return "mariadb:" + where() + "/" + config_.database; }
    bool connected() const override { return conn_ != nullptr; }

    // The one mapping of MariaDB's error codes. A lost connection is dropped here, so the next
    // prepare() connects afresh; statements close their own handle before calling this.
    sql::Error error_for(unsigned code, const std::string& message, std::string_view during);

    MYSQL* handle() const { return conn_.get(); }
    const MariaDbConfig& config() const { return config_; }

  protected:
    sql::SqlResult<bool> begin(std::string_view during) override;
    sql::SqlResult<bool> commit(std::string_view during) override;
    void rollback() noexcept override;

  private:
    std::string where() const;

    MariaDbConfig config_;
    unsigned read_timeout_seconds_;
    ConnPtr conn_;
};

// A prepared statement on `connection`, which it must not outlive.
std::unique_ptr<sql::Statement> make_statement(MariaDbConnection& connection, MYSQL_STMT* stmt,
                                               std::string_view during);

}  // namespace sc::store::mariadb

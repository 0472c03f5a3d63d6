#include "store/sql/database.h"

#include <utility>

#include "common/check.h"

namespace sc::store::sql {

Error make_error(StoreErrorCode code, std::string message) {
    Error error;
    error.code = code;
    error.message = std::move(message);
    return error;
}

SqlResult<std::uint64_t> Connection::execute(std::string_view sql, std::string_view during) {
    SC_TRY_ASSIGN(auto statement, prepare(sql, during));
    for (;;) {
        SC_TRY_ASSIGN(Step step, statement->step());
        if (step == Step::done) {
            return statement->affected_rows();
        }
    }
}

SqlResult<Connection::Transaction> Connection::transaction(std::string_view during) {
    SC_TRY(begin(during));
    return Transaction(*this, during);
}

Connection::Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)), during_(std::move(other.during_)) {}

Connection::Transaction::~Transaction() {
    if (connection_ != nullptr) {
        connection_->rollback();
    }
}

SqlResult<bool> Connection::Transaction::commit() {
    SC_CHECK(connection_ != nullptr);
    Connection* connection = std::exchange(connection_, nullptr);
    auto committed = connection->commit(during_);
    if (!committed) {
        connection->rollback();
    }
    return committed;
}

}  // namespace sc::store::sql

// The delivered statements this device still owes a sender (history_store.h, PendingDelivered).
#include "client/history_sql.h"

namespace sc::client {

using history_sql::Stmt;

Status insert_pending(sqlite3* db, const PendingDelivered& p) {
    // Bounded: at the cap the oldest is dropped, so that a server that never stores our
    // statements cannot stop us keeping messages (its sender then lacks that one mark).
    Stmt trim(db,
              "DELETE FROM pending_delivered WHERE rowid IN (SELECT rowid FROM pending_delivered "
              "ORDER BY created_ts, rowid LIMIT max(0, (SELECT count(*) FROM pending_delivered) "
              "- ? + 1))");
    trim.bind_u64(1, kMaxPendingDelivered);
    SC_TRY(trim.done("bound the delivered statements"));
    Stmt ins(db,
             "INSERT OR REPLACE INTO pending_delivered (mid, fp, to_user, body, created_ts) "
             "VALUES (?, ?, ?, ?, ?)");
    ins.bind(1, p.mid).bind(2, p.fp).bind(3, p.to_user).bind(4, ByteView(p.body));
    ins.bind_u64(5, p.created_ts);
    return ins.done("keep a delivered statement");
}

Result<std::vector<PendingDelivered>> HistoryStore::pending_delivered(std::size_t limit) {
    Stmt s(db_->db,
           "SELECT mid, fp, to_user, body, created_ts FROM pending_delivered "
           "ORDER BY created_ts, rowid LIMIT ?");
    s.bind_u64(1, std::min(limit, kMaxPendingDelivered));
    std::vector<PendingDelivered> out;
    while (s.step()) {
        out.push_back({s.text(0), s.text(1), s.text(2), s.blob(3), s.u64(4)});
    }
    if (!s.error().empty()) {
        return fail("history: " + s.error());
    }
    return out;
}

Status HistoryStore::forget_delivered(const std::string& mid_hex, const std::string& fp_hex) {
    Stmt s(db_->db, "DELETE FROM pending_delivered WHERE mid = ? AND fp = ?");
    s.bind(1, mid_hex).bind(2, fp_hex);
    return s.done("forget a delivered statement");
}

Result<std::size_t> HistoryStore::drop_pending_before(std::uint64_t before_ms) {
    Stmt s(db_->db, "DELETE FROM pending_delivered WHERE created_ts < ?");
    s.bind_u64(1, before_ms);
    SC_TRY(s.done("drop old delivered statements"));
    return static_cast<std::size_t>(sqlite3_changes(db_->db));
}

}  // namespace sc::client

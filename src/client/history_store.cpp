#include "client/history_store.h"

#include "client/history_sql.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sc::client {

namespace {

using history_sql::exec;
using history_sql::Stmt;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS messages (
  row INTEGER PRIMARY KEY,
  peer TEXT NOT NULL,
  outgoing INTEGER NOT NULL,
  sender TEXT NOT NULL,
  sender_device TEXT NOT NULL,
  sender_fp TEXT NOT NULL,
  mid TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  recorded_ts INTEGER NOT NULL,
  text TEXT NOT NULL,
  salt BLOB NOT NULL,
  UNIQUE (mid, sender_fp)
);
CREATE INDEX IF NOT EXISTS messages_by_peer ON messages (peer, row);
CREATE TABLE IF NOT EXISTS copies (
  message INTEGER NOT NULL REFERENCES messages (row),
  to_user TEXT NOT NULL,
  device TEXT NOT NULL,
  fp TEXT NOT NULL,
  envelope_sha256 BLOB NOT NULL,
  state INTEGER NOT NULL,
  held INTEGER NOT NULL DEFAULT 0,
  stored_ts INTEGER NOT NULL DEFAULT 0,
  expires INTEGER NOT NULL DEFAULT 0,
  delivered_ts INTEGER NOT NULL DEFAULT 0,
  refused_code TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (message, fp)
);
CREATE INDEX IF NOT EXISTS copies_by_expiry ON copies (state, expires);
CREATE TABLE IF NOT EXISTS pending_delivered (
  mid TEXT NOT NULL,
  fp TEXT NOT NULL,
  to_user TEXT NOT NULL,
  body BLOB NOT NULL,
  created_ts INTEGER NOT NULL,
  PRIMARY KEY (mid, fp)
);
)sql";

constexpr const char* kCopyColumns =
    "to_user, device, fp, envelope_sha256, state, held, stored_ts, expires, delivered_ts, "
    "refused_code";

HistoryCopy copy_from(const Stmt& s, int first) {
    HistoryCopy c;
    c.to = s.text(first);
    c.device = s.text(first + 1);
    c.fingerprint = s.text(first + 2);
    c.envelope_sha256 = s.blob(first + 3);
    c.state = static_cast<CopyState>(std::clamp<std::int64_t>(s.i64(first + 4), 0, 4));
    c.held = s.u64(first + 5);
    c.stored_ts = s.u64(first + 6);
    c.expires = s.u64(first + 7);
    c.delivered_ts = s.u64(first + 8);
    c.refused_code = s.text(first + 9);
    return c;
}

constexpr const char* kMessageColumns =
    "row, peer, outgoing, sender, sender_device, sender_fp, mid, seq, ts, recorded_ts, text, salt";

HistoryMessage message_from(const Stmt& s) {
    HistoryMessage m;
    m.peer = s.text(1);
    m.outgoing = s.i64(2) != 0;
    m.from = s.text(3);
    m.device = s.text(4);
    m.fingerprint = s.text(5);
    m.mid = s.text(6);
    m.seq = s.u64(7);
    m.ts = s.u64(8);
    m.recorded_ts = s.u64(9);
    m.text = s.text(10);
    m.salt = s.blob(11);
    return m;
}

}  // namespace

const char* copy_state_name(CopyState state) {
    switch (state) {
        case CopyState::sent:
            return "sent";
        case CopyState::stored:
            return "stored";
        case CopyState::delivered:
            return "delivered";
        case CopyState::expired:
            return "expired";
        case CopyState::refused:
            return "refused";
    }
    return "sent";
}

std::string message_mark(const HistoryMessage& m) {
    if (!m.outgoing) {
        return "received";
    }
    std::size_t to_peer = 0, refused = 0, stored = 0, delivered = 0, expired = 0;
    for (const auto& c : m.copies) {
        if (c.to != m.peer) {
            continue;
        }
        ++to_peer;
        switch (c.state) {
            case CopyState::refused:
                ++refused;
                break;
            case CopyState::delivered:
                ++delivered;
                ++stored;
                break;
            case CopyState::stored:
                ++stored;
                break;
            case CopyState::expired:
                ++expired;
                break;
            case CopyState::sent:
                break;
        }
    }
    const std::size_t live = to_peer - refused;
    if (to_peer > 0 && live == 0) {
        return "refused";
    }
    if (expired > 0) {
        return "expired";
    }
    if (live > 0 && delivered == live) {
        return "delivered";
    }
    if (live > 0 && stored == live) {
        return "stored";
    }
    return "sent";
}

HistoryStore::HistoryStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}
HistoryStore::~HistoryStore() = default;

Result<std::unique_ptr<HistoryStore>> HistoryStore::open(const std::filesystem::path& path) {
    // Created with its final mode; SQLite gives its -wal and -shm files the same.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return fail("cannot open " + path.string() + ": " + std::strerror(errno));
    }
    struct stat st {};
    bool private_mode = ::fstat(fd, &st) == 0 && (st.st_mode & 077) == 0;
    ::close(fd);
    if (!private_mode) {
        return fail(path.string() + " is readable by others: make it 0600");
    }
    auto db = std::make_unique<Db>();
    if (sqlite3_open_v2(path.c_str(), &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
                        nullptr) != SQLITE_OK) {
        return fail("cannot open the history " + path.string() + ": " +
                    (db->db ? sqlite3_errmsg(db->db) : "out of memory"));
    }
    sqlite3_busy_timeout(db->db, 2000);
    SC_TRY(exec(db->db,
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                "PRAGMA foreign_keys=ON;"));
    SC_TRY(exec(db->db, kSchema));
    return std::unique_ptr<HistoryStore>(new HistoryStore(std::move(db)));
}

Status HistoryStore::record(const HistoryMessage& m, const PendingDelivered* statement) {
    auto* db = db_->db;
    SC_TRY(exec(db, "BEGIN IMMEDIATE"));
    auto rollback = [&](Status s) {
        (void)exec(db, "ROLLBACK");
        return s;
    };
    Stmt ins(db,
             "INSERT INTO messages (peer, outgoing, sender, sender_device, sender_fp, mid, seq, "
             "ts, recorded_ts, text, salt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, m.peer)
        .bind_int(2, m.outgoing ? 1 : 0)
        .bind(3, m.from)
        .bind(4, m.device)
        .bind(5, m.fingerprint)
        .bind(6, m.mid)
        .bind_u64(7, m.seq)
        .bind_u64(8, m.ts)
        .bind_u64(9, m.recorded_ts)
        .bind(10, m.text)
        .bind(11, ByteView(m.salt));
    if (auto s = ins.done("keep a message"); !s) {
        return rollback(std::move(s));
    }
    const auto row = sqlite3_last_insert_rowid(db);
    for (const auto& c : m.copies) {
        Stmt cp(db,
                "INSERT INTO copies (message, to_user, device, fp, envelope_sha256, state, held, "
                "stored_ts, expires, delivered_ts, refused_code) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        cp.bind_int(1, row)
            .bind(2, c.to)
            .bind(3, c.device)
            .bind(4, c.fingerprint)
            .bind(5, ByteView(c.envelope_sha256))
            .bind_int(6, static_cast<int>(c.state))
            .bind_u64(7, c.held)
            .bind_u64(8, c.stored_ts)
            .bind_u64(9, c.expires)
            .bind_u64(10, c.delivered_ts)
            .bind(11, c.refused_code);
        if (auto s = cp.done("keep a copy"); !s) {
            return rollback(std::move(s));
        }
    }
    if (statement != nullptr) {
        if (auto s = insert_pending(db, *statement); !s) {
            return rollback(std::move(s));
        }
    }
    if (auto s = exec(db, "COMMIT"); !s) {
        return rollback(std::move(s));
    }
    return {};
}

Result<bool> HistoryStore::has(const std::string& mid_hex, const std::string& sender_fp_hex) {
    Stmt s(db_->db, "SELECT 1 FROM messages WHERE mid = ? AND sender_fp = ?");
    s.bind(1, mid_hex).bind(2, sender_fp_hex);
    bool found = s.step();
    if (!s.error().empty()) {
        return fail("history: " + s.error());
    }
    return found;
}

Result<std::optional<HistoryCopy>> HistoryStore::copy(const std::string& mid_hex,
                                                      const std::string& fp_hex) {
    Stmt s(db_->db, (std::string("SELECT ") + kCopyColumns +
                     " FROM copies JOIN messages ON copies.message = messages.row "
                     "WHERE messages.mid = ? AND messages.outgoing = 1 AND copies.fp = ?")
                        .c_str());
    s.bind(1, mid_hex).bind(2, fp_hex);
    if (s.step()) {
        return std::optional<HistoryCopy>(copy_from(s, 0));
    }
    if (!s.error().empty()) {
        return fail("history: " + s.error());
    }
    return std::optional<HistoryCopy>();
}

Result<std::uint64_t> HistoryStore::seq_of(const std::string& mid_hex) {
    Stmt s(db_->db, "SELECT seq FROM messages WHERE mid = ? AND outgoing = 1");
    s.bind(1, mid_hex);
    if (s.step()) {
        return s.u64(0);
    }
    if (!s.error().empty()) {
        return fail("history: " + s.error());
    }
    return std::uint64_t{0};
}

namespace {
constexpr const char* kCopyOf =
    " WHERE fp = ? AND message = (SELECT row FROM messages WHERE mid = ? AND outgoing = 1)";
}

Status HistoryStore::mark_stored(const std::string& mid_hex, const std::string& fp_hex,
                                 std::uint64_t held, std::uint64_t stored_ts,
                                 std::uint64_t expires) {
    // The state moves forward only: a copy already delivered keeps that mark.
    Stmt s(db_->db, (std::string("UPDATE copies SET held = ?, stored_ts = ?, expires = ?, "
                                 "state = CASE WHEN state = 0 THEN 1 ELSE state END") +
                     kCopyOf)
                        .c_str());
    s.bind_u64(1, held)
        .bind_u64(2, stored_ts)
        .bind_u64(3, expires)
        .bind(4, fp_hex)
        .bind(5, mid_hex);
    return s.done("mark a copy stored");
}

Status HistoryStore::mark_delivered(const std::string& mid_hex, const std::string& fp_hex,
                                    std::uint64_t delivered_ts) {
    Stmt s(db_->db,
           (std::string("UPDATE copies SET state = 2, delivered_ts = ?") + kCopyOf).c_str());
    s.bind_u64(1, delivered_ts).bind(2, fp_hex).bind(3, mid_hex);
    return s.done("mark a copy delivered");
}

Status HistoryStore::mark_refused(const std::string& mid_hex, const std::string& fp_hex,
                                  const std::string& code) {
    Stmt s(db_->db, (std::string("UPDATE copies SET state = 4, refused_code = ?") + kCopyOf +
                     " AND state = 0")
                        .c_str());
    s.bind(1, code).bind(2, fp_hex).bind(3, mid_hex);
    return s.done("mark a copy refused");
}

Result<std::vector<HistoryStore::Expired>> HistoryStore::expire_due(std::uint64_t now_ms,
                                                                    std::size_t limit) {
    std::vector<Expired> out;
    {
        Stmt s(db_->db,
               (std::string("SELECT messages.peer, messages.mid, messages.seq, ") + kCopyColumns +
                " FROM copies JOIN messages ON copies.message = messages.row "
                "WHERE copies.state = 1 AND copies.expires <= ? "
                "ORDER BY copies.expires LIMIT ?")
                   .c_str());
        s.bind_u64(1, now_ms).bind_u64(2, limit);
        while (s.step()) {
            out.push_back(Expired{s.text(0), s.text(1), s.u64(2), copy_from(s, 3)});
        }
        if (!s.error().empty()) {
            return fail("history: " + s.error());
        }
    }
    for (auto& e : out) {
        Stmt u(db_->db,
               (std::string("UPDATE copies SET state = 3") + kCopyOf + " AND state = 1").c_str());
        u.bind(1, e.copy.fingerprint).bind(2, e.mid);
        SC_TRY(u.done("mark a copy expired"));
        e.copy.state = CopyState::expired;
    }
    return out;
}

Result<std::optional<std::uint64_t>> HistoryStore::next_expiry() {
    Stmt s(db_->db, "SELECT MIN(expires) FROM copies WHERE state = 1");
    if (s.step()) {  // MIN of nothing is NULL, read as 0
        auto v = s.u64(0);
        return v == 0 ? std::optional<std::uint64_t>() : std::optional<std::uint64_t>(v);
    }
    if (!s.error().empty()) {
        return fail("history: " + s.error());
    }
    return std::optional<std::uint64_t>();
}

Status HistoryStore::load_copies(HistoryMessage& m, std::int64_t row) {
    Stmt s(db_->db,
           (std::string("SELECT ") + kCopyColumns + " FROM copies WHERE message = ? ORDER BY rowid")
               .c_str());
    s.bind_int(1, row);
    while (s.step()) {
        m.copies.push_back(copy_from(s, 0));
    }
    if (!s.error().empty()) {
        return fail("history: " + s.error());
    }
    return {};
}

Result<std::vector<HistoryMessage>> HistoryStore::recent(const std::string& peer, std::size_t n) {
    n = std::min(n, kMaxHistoryShown);
    std::vector<std::pair<std::int64_t, HistoryMessage>> rows;
    {
        Stmt s(db_->db, (std::string("SELECT ") + kMessageColumns +
                         " FROM messages WHERE peer = ? ORDER BY row DESC LIMIT ?")
                            .c_str());
        s.bind(1, peer).bind_u64(2, n);
        while (s.step()) {
            rows.emplace_back(s.i64(0), message_from(s));
        }
        if (!s.error().empty()) {
            return fail("history: " + s.error());
        }
    }
    std::vector<HistoryMessage> out;
    out.reserve(rows.size());
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        SC_TRY(load_copies(it->second, it->first));
        out.push_back(std::move(it->second));
    }
    return out;
}

Result<std::optional<HistoryMessage>> HistoryStore::find(const std::string& peer,
                                                         const std::string& mid_hex) {
    Stmt s(db_->db, (std::string("SELECT ") + kMessageColumns +
                     " FROM messages WHERE peer = ? AND mid = ? ORDER BY row LIMIT 1")
                        .c_str());
    s.bind(1, peer).bind(2, mid_hex);
    if (!s.step()) {
        if (!s.error().empty()) {
            return fail("history: " + s.error());
        }
        return std::optional<HistoryMessage>();
    }
    auto m = message_from(s);
    SC_TRY(load_copies(m, s.i64(0)));
    return std::optional<HistoryMessage>(std::move(m));
}

}  // namespace sc::client

#include "e2e_fixture.h"

#include <sqlite3.h>

#include <algorithm>
#include <thread>

#include "common/bytes.h"
#include "pki/certificate.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sc::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

JsonChat::JsonChat(const std::vector<std::string>& argv, std::string label)
    : process_(argv), label_(std::move(label)) {}

void JsonChat::say(const std::string& line) {
    EXPECT_TRUE(process_.write_line(line)) << label_ << ": " << line;
}

bool JsonChat::read_one(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
        return false;
    }
    auto line = process_.read_line(left);
    if (!line) {
        return false;
    }
    auto event = json::parse(*line, nullptr, false);
    if (!event.is_discarded() && event.is_object() && event.contains("event")) {
        events_.push_back(std::move(event));
        taken_.push_back(false);
    }
    return true;
}

json JsonChat::take(const std::string& name, const Match& match) {
    auto deadline = std::chrono::steady_clock::now() + kE2eWait;
    std::size_t next = 0;
    while (true) {
        for (; next < events_.size(); ++next) {
            const auto& e = events_[next];
            if (!taken_[next] && e.value("event", "") == name && (!match || match(e))) {
                taken_[next] = true;
                return e;
            }
        }
        if (!read_one(deadline)) {
            break;
        }
    }
    ADD_FAILURE() << label_ << ": no matching '" << name << "' event; it printed:\n"
                  << transcript();
    return json();
}

std::vector<json> JsonChat::seen(const std::string& name) const {
    std::vector<json> out;
    std::copy_if(events_.begin(), events_.end(), std::back_inserter(out),
                 [&](const json& e) { return e.value("event", "") == name; });
    return out;
}

std::string JsonChat::transcript() const {
    std::string out;
    for (const auto& l : process_.seen()) {
        out += "  " + l + "\n";
    }
    return out;
}

JsonChat::Match with(const std::string& field, const std::string& value) {
    return [field, value](const json& e) {
        return e.contains(field) && e[field].is_string() && e[field] == value;
    };
}

JsonChat::Match with_text(const std::string& text) {
    return with("text", text);
}

JsonChat::Match all_of(std::vector<JsonChat::Match> matches) {
    return [matches = std::move(matches)](const json& e) {
        return std::all_of(matches.begin(), matches.end(), [&](const auto& m) { return m(e); });
    };
}

std::string fingerprint_of(const fs::path& cert_pem) {
    auto chain = pki::Certificate::chain_from_pem(read_text(cert_pem));  // the leaf comes first
    EXPECT_TRUE(chain) << cert_pem;
    return chain ? chain->front().fingerprint().hex() : std::string();
}

bool is_fingerprint(const json& printed, const std::string& hex) {
    if (!printed.is_string() || hex.empty()) {
        return false;
    }
    std::string text;
    for (char c : printed.get<std::string>()) {
        if (c != ':') {
            text += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return text == hex;
}

CliCa::CliCa(fs::path d) : dir(std::move(d)) {
    auto init = securechat({"pki", "init", "--dir", dir.string(), "--name", "E2E CA"});
    EXPECT_EQ(init.exit_code, 0) << init.output;
    auto server = securechat(
        {"pki", "issue", "--dir", dir.string(), "--server", "server", "--san", "IP:127.0.0.1"});
    EXPECT_EQ(server.exit_code, 0) << server.output;
    issue("alice", "laptop");
    issue("alice", "phone");
    issue("bob");
    issue("carol");
}

bool CliCa::issue(const std::string& user, const std::string& device) const {
    std::vector<std::string> args{"pki", "issue", "--dir", dir.string(), "--client", user};
    if (!device.empty()) {
        args.insert(args.end(), {"--device", device});
    }
    auto r = securechat(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.exit_code == 0;
}

fs::path CliCa::cert(const std::string& user, const std::string& device) const {
    return dir / (device.empty() ? user + ".crt" : user + "@" + device + ".crt");
}

fs::path CliCa::key(const std::string& user, const std::string& device) const {
    return dir / (device.empty() ? user + ".key" : user + "@" + device + ".key");
}

std::vector<std::string> chat_argv(const fs::path& ca_cert, unsigned short port,
                                   const fs::path& cert, const fs::path& key,
                                   const fs::path& data_dir) {
    return {securechat_binary(),
            "chat",
            "--json",
            "--server",
            "127.0.0.1:" + std::to_string(port),
            "--server-name",
            "server",
            "--ca",
            ca_cert.string(),
            "--cert",
            cert.string(),
            "--key",
            key.string(),
            "--data-dir",
            data_dir.string(),
            "--timeout",
            "30"};
}

bool wait_for_prekey(const fs::path& database, const std::string& fingerprint) {
    auto deadline = std::chrono::steady_clock::now() + kE2eWait;
    auto uri = "file:" + database.string() + "?mode=ro";
    while (std::chrono::steady_clock::now() < deadline) {
        sqlite3* db = nullptr;
        bool found = false;
        if (sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) ==
            SQLITE_OK) {
            sqlite3_busy_timeout(db, 1000);
            sqlite3_stmt* st = nullptr;
            if (sqlite3_prepare_v2(db,
                                   "SELECT count(*) FROM signed_prekeys s JOIN devices d"
                                   " ON s.device_id = d.id WHERE d.fingerprint = ?",
                                   -1, &st, nullptr) == SQLITE_OK) {
                sqlite3_bind_text(st, 1, fingerprint.c_str(), -1, SQLITE_TRANSIENT);
                found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
            }
            sqlite3_finalize(st);
        }
        sqlite3_close(db);
        if (found) {
            return true;
        }
        std::this_thread::sleep_for(20ms);  // polling a state, not timing it
    }
    ADD_FAILURE() << "device " << fingerprint << " published no signed prekey in "
                  << database.string();
    return false;
}

}  // namespace sc::test

// The fixture of the many-users tests (server_users_test.cpp): a real server in this process
// with identity binding on, as it is by default, on SQLite or on the real MariaDB (a fresh
// database per test); users alice, bob and carol with certificates of their own (CN = the
// username, from `pki issue`, further devices with `--device`); clients that drive
// proto::ClientSession over a blocking socket; and the store opened beside the server, as the
// host admin CLI opens it, to make the first admin and to look at what the server recorded.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server_fixture.h"
#include "store/social_store.h"

namespace sc::test {

enum class UsersBackend { sqlite, mariadb };

// The backends this executable runs the cases on: users_sqlite.cpp in server_users_tests,
// users_mariadb.cpp in server_users_mariadb_tests, so the same names run in each.
std::vector<UsersBackend> users_backends_under_test();
std::string users_backend_name(const ::testing::TestParamInfo<UsersBackend>& info);
void PrintTo(UsersBackend backend, std::ostream* out);  // names it in GoogleTest's messages

inline constexpr const char* kUserPassword = "correct horse battery";

class ServerUsers : public ::testing::TestWithParam<UsersBackend> {
  protected:
    ServerUsers();
    void SetUp() override;
    void TearDown() override;

    // Starts the server (binding on unless `tweak` says otherwise).
    void start(const std::function<void(server::Settings&)>& tweak = nullptr);
    // `pki issue --client USER [--device DEVICE]`: its file stem ("alice@phone"), for connect().
    std::string issue_device(const std::string& user, const std::string& device = "");

    std::unique_ptr<NetClient> connect(const std::string& cert);
    // Registers / logs in `user` with the certificate `cert` (default: the user's own); the
    // client is in chat or the test failed.
    std::unique_ptr<NetClient> registered(const std::string& user, const std::string& cert = "");
    std::unique_ptr<NetClient> logged_in(const std::string& user, const std::string& cert = "");

    // The host side: the store the server uses, opened beside it.
    store::Store& host_store();
    store::Account account(const std::string& user);
    void make_admin(const std::string& user);

    // Sends `request` and waits for its answer.
    std::optional<proto::msg::Answer> ask(NetClient& client, proto::msg::Request request);
    // The `result` answering `request`; a failed test when the answer is something else.
    proto::msg::Result ask_result(NetClient& client, proto::msg::Request request);
    // Waits for the server's session_end and then the receipts; the session_end's code.
    std::optional<proto::ErrorCode> wait_ended_with_receipts(NetClient& client);

    TempDir tmp_;
    TestCa ca_;
    std::unique_ptr<RunningServer> server_;

  private:
    store::MariaDbConfig mariadb_;
    bool mariadb_created_ = false;
    std::unique_ptr<store::Store> host_store_;
};

std::string peer_code(const NetClient& client);  // "identity_mismatch" from peer_error()

}  // namespace sc::test

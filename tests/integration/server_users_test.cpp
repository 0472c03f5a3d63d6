// Many users on one server (issue 10), over loopback, on SQLite and on the real MariaDB: the
// certificate names the user (identity binding), each login records its device, a revoked
// device is cut off while the user's other device stays, and an admin's who, user_add,
// disable, enable and kick, with a regular user refused each (`forbidden`).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "pki/ca_directory.h"
#include "server_users_fixture.h"
#include "testing/test_pki.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;

INSTANTIATE_TEST_SUITE_P(Backends, ServerUsers, ::testing::ValuesIn(users_backends_under_test()),
                         users_backend_name);

std::string fingerprint_of(const TestCa& ca, const std::string& cert) {
    return ca.client(cert).chain.front().fingerprint().hex();
}

// ---- identity binding ----

TEST_P(ServerUsers, IdentityBinding_AlicesCertificateCannotRegisterOrLogInAsBob) {
    start();
    auto alice = registered("alice");
    // Before bob exists and after: the same answer, so it says nothing about accounts.
    auto as_bob = connect("alice");
    EXPECT_FALSE(as_bob->login("bob", kUserPassword));
    EXPECT_EQ(peer_code(*as_bob), "identity_mismatch") << as_bob->peer_error();
    EXPECT_NE(as_bob->peer_error().find("this certificate is alice's; it cannot log in as bob"),
              std::string::npos)
        << as_bob->peer_error();
    auto register_bob = connect("alice");
    EXPECT_FALSE(register_bob->register_user("b@example.com", "bob", kUserPassword));
    EXPECT_EQ(peer_code(*register_bob), "identity_mismatch") << register_bob->peer_error();

    auto bob = registered("bob");
    auto as_bob_again = connect("alice");
    EXPECT_FALSE(as_bob_again->login("bob", kUserPassword));
    EXPECT_EQ(as_bob_again->peer_error(), as_bob->peer_error());
    auto register_bob_again = connect("alice");
    EXPECT_FALSE(register_bob_again->register_user("b2@example.com", "bob", kUserPassword));
    EXPECT_EQ(register_bob_again->peer_error(), register_bob->peer_error());

    // Refused before the throttles: alice's certificate cannot lock bob out.
    for (int i = 0; i < 5; ++i) {
        auto guess = connect("alice");
        EXPECT_FALSE(guess->login("bob", "wrong password " + std::to_string(i)));
        EXPECT_EQ(peer_code(*guess), "identity_mismatch");
    }
    auto bob_again = logged_in("bob");
    EXPECT_TRUE(bob_again->chat("not locked out"));
    // Usernames compare as the store compares them: "ALICE" is alice.
    auto upper = connect("alice");
    EXPECT_TRUE(upper->login("ALICE", kUserPassword)) << upper->peer_error();
    EXPECT_TRUE(alice->chat("still here"));
}

TEST_P(ServerUsers, IdentityBinding_CertificateNamingNoValidUserIsRefused) {
    start();
    auto ca = pki::load_ca(pki::CaLayout(ca_.dir));
    ASSERT_TRUE(ca) << ca.error().message;
    auto leaf = issue(
        *ca, {.profile = pki::Profile::client, .name = "Not A Username", .sans = {"DNS:notauser"}});
    proto::ClientConfig config{
        .identity = identity(std::move(leaf)), .trust = ca_.trust(), .server_name = "server"};
    auto c = NetClient::connect(server_->port(), std::move(config));
    ASSERT_NE(c, nullptr);
    EXPECT_FALSE(c->register_user("n@example.com", "notauser", kUserPassword));
    EXPECT_EQ(peer_code(*c), "identity_mismatch") << c->peer_error();
    EXPECT_NE(c->peer_error().find("names no user"), std::string::npos) << c->peer_error();
}

TEST_P(ServerUsers, IdentityBinding_OffLetsASharedCertificateUseEveryAccount) {
    start([](server::Settings& s) { s.identity.bind_accounts = false; });
    // The seeds' way: one "client" certificate for everybody.
    auto alice = registered("alice", "client");
    auto bob = registered("bob", "client");
    EXPECT_TRUE(alice->chat("from the shared certificate"));
    EXPECT_TRUE(bob->chat("from the shared certificate too"));
    auto again = logged_in("alice", "client");
    // The shared certificate is a device of each account.
    auto shared = fingerprint_of(ca_, "client");
    for (const char* user : {"alice", "bob"}) {
        auto devices = host_store().devices(account(user).id);
        ASSERT_TRUE(devices) << devices.error().message;
        ASSERT_EQ(devices->size(), 1u) << user;
        EXPECT_EQ(devices->front().fingerprint, shared);
    }
}

// ---- devices ----

TEST_P(ServerUsers, Devices_EachLoginRecordsItsDeviceWithFirstAndLastSeen) {
    auto phone = issue_device("alice", "phone");
    start();
    auto before = std::chrono::system_clock::now() - 1s;
    registered("alice")->close_with_receipts();
    logged_in("alice", phone)->close_with_receipts();
    auto id = account("alice").id;
    auto devices = host_store().devices(id);
    ASSERT_TRUE(devices) << devices.error().message;
    ASSERT_EQ(devices->size(), 2u);
    const auto& first = (*devices)[0];  // oldest first
    EXPECT_EQ(first.fingerprint, fingerprint_of(ca_, "alice"));
    EXPECT_EQ(first.name, "default");
    EXPECT_EQ(first.cert_der, ca_.client("alice").chain.front().to_der());
    EXPECT_GE(first.first_seen, std::chrono::time_point_cast<std::chrono::seconds>(before));
    EXPECT_EQ((*devices)[1].fingerprint, fingerprint_of(ca_, phone));
    EXPECT_EQ((*devices)[1].name, "phone");

    std::this_thread::sleep_for(20ms);  // last_seen is kept in ms: let it move
    logged_in("alice")->close_with_receipts();
    auto after = host_store().devices(id);
    ASSERT_TRUE(after && after->size() == 2u);
    EXPECT_EQ((*after)[0].first_seen, first.first_seen);
    EXPECT_GT((*after)[0].last_seen, first.last_seen);
    EXPECT_EQ((*after)[1].last_seen, (*devices)[1].last_seen);
}

TEST_P(ServerUsers, Devices_SeventeenthDeviceIsRefusedNamingTheRemoveCommand) {
    start();
    registered("alice")->close_with_receipts();
    for (std::size_t i = 2; i <= proto::kMaxDevicesPerUser; ++i) {
        auto device = issue_device("alice", "d" + std::to_string(i));
        ASSERT_TRUE(logged_in("alice", device)->close_with_receipts()) << device;
    }
    auto seventeenth = issue_device("alice", "d17");
    auto refused = connect(seventeenth);
    EXPECT_FALSE(refused->login("alice", kUserPassword));
    EXPECT_EQ(peer_code(*refused), "limit_reached") << refused->peer_error();
    EXPECT_NE(refused->peer_error().find("securechat server admin devices alice --remove"),
              std::string::npos)
        << refused->peer_error();
    EXPECT_NE(refused->peer_error().find(fingerprint_of(ca_, seventeenth)), std::string::npos);
    auto devices = host_store().devices(account("alice").id);
    ASSERT_TRUE(devices);
    EXPECT_EQ(devices->size(), proto::kMaxDevicesPerUser);
    // A known device still logs in.
    EXPECT_TRUE(logged_in("alice")->chat("my first device"));
}

TEST_P(ServerUsers, Devices_RevokedDeviceIsClosedWhileTheUsersOtherDeviceStays) {
    auto phone = issue_device("alice", "phone");
    ASSERT_TRUE(pki::publish_crl({.dir = ca_.dir}));
    start([&](server::Settings& s) { s.crl = ca_.dir / "ca.crl"; });
    auto laptop = registered("alice");
    auto on_phone = logged_in("alice", phone);

    ASSERT_TRUE(pki::revoke_certificate(ca_.dir, ca_.dir / (phone + ".crt")));
    ASSERT_TRUE(pki::publish_crl({.dir = ca_.dir}));
    server_->server().reload();
    EXPECT_TRUE(on_phone->wait_closed(10s));
    EXPECT_NE(on_phone->peer_error().find("revoked"), std::string::npos) << on_phone->peer_error();
    EXPECT_TRUE(laptop->chat("my other device is still connected"));
    auto again = connect(phone);
    EXPECT_FALSE(again->login("alice", kUserPassword));
    EXPECT_NE(again->peer_error().find("revoked"), std::string::npos) << again->peer_error();
    EXPECT_TRUE(laptop->close_with_receipts());
}

}  // namespace
}  // namespace sc::test

#include "server_fixture.h"

#include <gtest/gtest.h>

#include "common/files.h"
#include "pki/ca_directory.h"
#include "testing/test_pki.h"

namespace sc::test {

TestCa::TestCa(const std::filesystem::path& d) : dir(d) {
    // Like `securechat pki init` + `pki issue` (5 minutes backdated, 10 years for the CA, one
    // for the leaves), but from the testing library's builder, so the keys need no CLI.
    using namespace std::chrono_literals;
    auto now = std::chrono::system_clock::now();
    auto ca = make_root_ca("Test CA", crypto::KeyType::ed25519, now - pki::kBackdate,
                           now + 24h * pki::kDefaultCaDays);
    auto leaf = [&](pki::Profile profile, const std::string& name,
                    std::vector<std::string> extra_sans) {
        std::vector<std::string> sans{"DNS:" + name};
        sans.insert(sans.end(), extra_sans.begin(), extra_sans.end());
        return issue(ca, {.profile = profile,
                          .name = name,
                          .not_before = now - pki::kBackdate,
                          .not_after = now + 24h * pki::kDefaultCertDays,
                          .sans = sans});
    };
    auto server = leaf(pki::Profile::server, "server", {"IP:127.0.0.1", "IP:::1", "DNS:localhost"});
    auto client = leaf(pki::Profile::client, "client", {});
    auto bob = leaf(pki::Profile::client, "bob", {});
    write_ca_directory(dir, ca, {{"server", &server}, {"client", &client}, {"bob", &bob}});
}

proto::Identity TestCa::client(const std::string& name) const {
    auto chain = pki::load_certificate_chain(dir / (name + ".crt"));
    auto pem = read_file(dir / (name + ".key"));
    auto key = crypto::PrivateKey::from_pem(crypto::SecretBytes(as_bytes(*pem)));
    return proto::Identity{*chain,
                           std::make_shared<const crypto::PrivateKey>(std::move(key).value())};
}

proto::Trust TestCa::trust() const {
    return proto::Trust{
        pki::load_certificate_chain(dir / "ca.crt")->front(), {}, std::chrono::seconds(300)};
}

proto::ClientConfig TestCa::client_config(const std::string& name) const {
    return proto::ClientConfig{.identity = client(name), .trust = trust(), .server_name = "server"};
}

server::Settings test_settings(const TestCa& ca, const std::filesystem::path& data_dir) {
    server::Settings s;
    s.listen = {"127.0.0.1:0"};
    s.cert = ca.dir / "server.crt";
    s.key = ca.dir / "server.key";
    s.ca = ca.dir / "ca.crt";
    s.data_dir = data_dir;
    s.log_level = "warn";
    s.security.argon2_opslimit = 1;  // fast hashing for tests; production uses the defaults
    s.security.argon2_memlimit = 8 * 1024 * 1024;
    s.limits.io_threads = 2;
    // Tests register many accounts from one certificate and one address; the Hardening tests
    // set these limits back to what they exercise.
    s.limits.registrations_per_block_per_hour = 10000;
    s.limits.registrations_per_certificate_per_hour = 10000;
    s.limits.handshake_burst_per_block = 10000;
    s.limits.handshakes_per_block_per_s = 10000;
    // ... and with the one "client" certificate, as the seeds do: identity binding is off here.
    // The binding tests (server_users_test.cpp) turn it on, as it is by default.
    s.identity.bind_accounts = false;
    return s;
}

RunningServer::RunningServer(server::Settings settings) {
    auto created = server::Server::create(std::move(settings));
    if (!created) {
        ADD_FAILURE() << created.error().message;
        return;
    }
    server_ = std::move(created).value();
    port_ = server_->endpoints().front().port();
    thread_ = std::thread([this] { server_->run(false); });
}

RunningServer::~RunningServer() {
    stop();
}

void RunningServer::stop() {
    if (thread_.joinable()) {
        server_->stop();
        thread_.join();
    }
}

}  // namespace sc::test

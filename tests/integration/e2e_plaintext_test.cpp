// No plaintext anywhere but on the devices (issue 11): a real `securechat server` process, two
// `securechat chat --json` clients that talk to it through a recording TCP proxy (the test's
// packet capture), messages both ways with a distinctive text; then the text and the password
// are searched for, raw, hex and base64 at every alignment, in every byte that crossed the wire
// (both ways), every file under the server's data directory (the SQLite file and its WAL,
// transcripts, receipts) while it runs and after it stopped, and the server's log (debug level).
// Controls show the search finds what is there: alice's certificate on the wire, her name in
// the store.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>

#include "common/base64.h"
#include "common/bytes.h"
#include "e2e_fixture.h"
#include "pki/certificate.h"
#include "support/recording_proxy.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sc::test {
namespace {

namespace fs = std::filesystem;

const std::string kSecretText = "the eagle lands at 0600 zz9";
const std::string kSecretReply = "zz9 plural z alpha confirms the eagle";

std::string password(const std::string& user) {
    return user + "-Plaintext-Password-7734";
}

// Every way the bytes of `secret` could show up in a file or a capture: as they are, as hex
// (both cases), and inside base64 at each of the three alignments (the characters that depend
// only on the secret).
std::vector<std::string> forms_of(const std::string& secret) {
    std::vector<std::string> forms{secret, to_hex(as_bytes(secret))};
    std::string upper = forms.back();
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    forms.push_back(upper);
    for (std::size_t pad = 0; pad < 3; ++pad) {
        std::string padded = std::string(pad, '\0') + secret;
        auto b64 = base64_encode(as_bytes(padded));
        // Drop the characters that mix padding in, at the start and at the end.
        std::size_t skip_front = pad == 0 ? 0 : (pad == 1 ? 2 : 3);
        std::size_t cut = (padded.size() / 3) * 4;  // whole groups only
        forms.push_back(b64.substr(skip_front, cut - skip_front));
    }
    return forms;
}

// Where any form of any secret occurs in `haystack`: "" when nowhere.
std::string find_any(const std::string& haystack, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        for (const auto& form : forms_of(secret)) {
            if (haystack.find(form) != std::string::npos) {
                return form;
            }
        }
    }
    return "";
}

std::string bytes_of(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

class E2ePlaintext : public ::testing::Test {
  protected:
    E2ePlaintext() : ca_(tmp_ / "ca") {}

    // `securechat server`, its stderr (the log) to a file; the port from its first line.
    void start_server() {
        std::string cmd = "exec '" + securechat_binary() + "' server --listen 127.0.0.1:0" +
                          " --cert '" + (ca_.dir / "server.crt").string() + "' --key '" +
                          (ca_.dir / "server.key").string() + "' --ca '" +
                          (ca_.dir / "ca.crt").string() + "' --data-dir '" + data().string() +
                          "' --log-level debug --set security.argon2_opslimit=1" +
                          " --set security.argon2_memlimit=8388608 2>'" + log().string() + "'";
        server_ = std::make_unique<LiveProcess>(std::vector<std::string>{"/bin/sh", "-c", cmd});
        auto line = server_->read_line(std::chrono::milliseconds(kE2eWait));
        ASSERT_TRUE(line && line->rfind("listening on", 0) == 0) << (line ? *line : "nothing");
        port_ = static_cast<unsigned short>(std::stoi(line->substr(line->rfind(':') + 1)));
        proxy_ = std::make_unique<RecordingProxy>(port_);
    }
    std::unique_ptr<JsonChat> registered(const std::string& user, const std::string& device) {
        auto chat = std::make_unique<JsonChat>(
            chat_argv(ca_.dir / "ca.crt", proxy_->port(), ca_.cert(user, device),
                      ca_.key(user, device), tmp_ / ("data-" + user)),
            user);
        chat->say("/register " + user + "@example.org " + user + " " + password(user));
        chat->take("registered");
        wait_for_prekey(data() / "securechat.db", fingerprint_of(ca_.cert(user, device)));
        return chat;
    }
    fs::path data() const { return tmp_ / "server-data"; }
    fs::path log() const { return tmp_ / "server.log"; }

    // Every file under the server's data directory in which a secret shows; and whether
    // `control` shows in one of them.
    std::vector<std::string> leaking_files(const std::vector<std::string>& secrets,
                                           const std::string& control, bool& control_seen) {
        std::vector<std::string> leaks;
        std::size_t files = 0;
        for (const auto& entry : fs::recursive_directory_iterator(data())) {
            if (!entry.is_regular_file()) {
                continue;
            }
            ++files;
            auto content = bytes_of(entry.path());
            control_seen = control_seen || content.find(control) != std::string::npos;
            if (auto form = find_any(content, secrets); !form.empty()) {
                leaks.push_back(entry.path().string() + " holds '" + form + "'");
            }
        }
        EXPECT_GT(files, 0U);
        return leaks;
    }

    TempDir tmp_;
    CliCa ca_;
    std::unique_ptr<LiveProcess> server_;
    unsigned short port_ = 0;
    std::unique_ptr<RecordingProxy> proxy_;
};

TEST_F(E2ePlaintext, NeitherTheTextNorThePasswordIsInTheServersFilesLogOrOnTheWire) {
    ASSERT_NO_FATAL_FAILURE(start_server());
    auto alice = registered("alice", "laptop");
    auto bob = registered("bob", "");
    alice->say("/friend request bob");
    bob->take("friend_request", with("from", "alice"));
    bob->say("/friend accept alice");
    alice->take("friend_added", with("user", "bob"));

    alice->say("/msg bob " + kSecretText);
    bob->take("message", with_text(kSecretText));
    alice->take("delivered", with("to", "bob"));
    bob->say("/msg alice " + kSecretReply);
    alice->take("message", with_text(kSecretReply));
    bob->take("delivered", with("to", "alice"));
    const std::vector<std::string> secrets{kSecretText, kSecretReply, password("alice"),
                                           password("bob")};

    // While the server runs (its WAL as it is).
    bool name_seen = false;
    auto leaks = leaking_files(secrets, "alice", name_seen);
    EXPECT_TRUE(leaks.empty()) << testing::PrintToString(leaks);

    alice->say("/quit");
    bob->say("/quit");
    EXPECT_EQ(alice->process().wait_exit(kE2eWait), 0);
    EXPECT_EQ(bob->process().wait_exit(kE2eWait), 0);
    server_->terminate();
    EXPECT_EQ(server_->wait_exit(kE2eWait), 0);

    // The wire, both ways, every connection.
    auto captures = proxy_->captures();
    ASSERT_EQ(captures.size(), 2U);
    auto alice_cert = pki::Certificate::from_pem(read_text(ca_.cert("alice", "laptop")));
    ASSERT_TRUE(alice_cert);
    const auto alice_der = alice_cert->to_der();
    const std::string alice_der_text(alice_der.begin(), alice_der.end());
    bool cert_seen = false;
    for (std::size_t i = 0; i < captures.size(); ++i) {
        const auto& c = captures[i];
        EXPECT_GT(c.to_server.size(), 1000U);
        EXPECT_GT(c.to_client.size(), 1000U);
        cert_seen = cert_seen || find_any(c.to_server, {alice_der_text}) != "";
        EXPECT_EQ(find_any(c.to_server, secrets), "") << "client to server, connection " << i;
        EXPECT_EQ(find_any(c.to_client, secrets), "") << "server to client, connection " << i;
    }
    EXPECT_TRUE(cert_seen) << "control: the capture holds alice's certificate (handshake)";

    // After the stop (the WAL checkpointed into the database).
    name_seen = false;
    leaks = leaking_files(secrets, "alice", name_seen);
    EXPECT_TRUE(leaks.empty()) << testing::PrintToString(leaks);
    EXPECT_TRUE(name_seen) << "control: the store holds alice's account";

    auto server_log = bytes_of(log());
    EXPECT_EQ(find_any(server_log, secrets), "") << server_log;
    EXPECT_NE(server_log.find("alice"), std::string::npos) << "control: the log names alice\n"
                                                           << server_log;
}

}  // namespace
}  // namespace sc::test

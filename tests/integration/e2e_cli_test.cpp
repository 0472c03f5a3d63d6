// Issue 11 end to end with the real binary: three users with four devices (alice's laptop and
// phone, bob's and carol's default devices), each a `securechat chat --json` process, on a real
// server over loopback. What one device sends shows on the recipient's devices and on the
// sender's other ones, each device answers with a signed delivered statement, a device added or
// changed is a warning with its fingerprints, and the server refuses, by name, what the policy
// forbids. Every step waits for the event it needs (JsonChat::take), nothing for a time.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <memory>

#include "common/base64.h"
#include "common/files.h"
#include "e2e/envelope.h"

#include "e2e_fixture.h"
#include "server_fixture.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sc::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class E2eCli : public ::testing::Test {
  protected:
    E2eCli() : ca_(tmp_ / "ca") {
        server::Settings s;
        s.listen = {"127.0.0.1:0"};
        s.cert = ca_.dir / "server.crt";
        s.key = ca_.dir / "server.key";
        s.ca = ca_.dir / "ca.crt";
        s.data_dir = tmp_ / "server-data";
        s.log_level = "warn";
        s.security.argon2_opslimit = 1;
        s.security.argon2_memlimit = 8 * 1024 * 1024;
        s.limits.io_threads = 2;
        server_ = std::make_unique<RunningServer>(std::move(s));
    }

    enum class Start { registers, logs_in };
    // A device of `user` started and logged in (or registered), once its prekeys are on the
    // server (so the others see it). `from`: the CA directory of its certificate.
    std::unique_ptr<JsonChat> start(const std::string& user, const std::string& device, Start how,
                                    const CliCa* from = nullptr) {
        const CliCa& ca = from != nullptr ? *from : ca_;
        std::string label = user + "@" + (device.empty() ? "default" : device);
        auto data = tmp_ / ("data-" + label + (from != nullptr ? "-reissued" : ""));
        auto chat =
            std::make_unique<JsonChat>(chat_argv(ca_.dir / "ca.crt", server_->port(),
                                                 ca.cert(user, device), ca.key(user, device), data),
                                       label);
        if (how == Start::registers) {
            chat->say("/register " + user + "@example.org " + user + " " + password(user));
            chat->take("registered");
        } else {
            chat->say("/login " + user + " " + password(user));
            chat->take("logged_in");
        }
        wait_for_prekey(database(), fingerprint_of(ca.cert(user, device)));
        return chat;
    }
    // `a` asks, `b` accepts; both are told.
    static void befriend(JsonChat& a, const std::string& a_user, JsonChat& b,
                         const std::string& b_user) {
        a.say("/friend request " + b_user);
        b.take("friend_request", with("from", a_user));
        b.say("/friend accept " + a_user);
        b.take("friend_added", with("user", a_user));
        a.take("friend_added", with("user", b_user));
    }
    std::string fp(const std::string& user, const std::string& device = "") const {
        return fingerprint_of(ca_.cert(user, device));
    }
    fs::path database() const { return tmp_ / "server-data" / "securechat.db"; }
    static std::string password(const std::string& user) { return user + "-long-password"; }
    bool wait_connections(std::size_t n) {
        auto deadline = std::chrono::steady_clock::now() + kE2eWait;
        while (server_->server().stats().connections != n) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            std::this_thread::sleep_for(2ms);  // polling a state, not timing it
        }
        return true;
    }

    TempDir tmp_;
    CliCa ca_;
    std::unique_ptr<RunningServer> server_;
};

TEST_F(E2eCli, ChatBothWaysWithCopiesOnAlicesOtherDeviceAndDeliveredStatements) {
    auto laptop = start("alice", "laptop", Start::registers);
    auto phone = start("alice", "phone", Start::logs_in);
    auto bob = start("bob", "", Start::registers);
    befriend(*laptop, "alice", *bob, "bob");

    laptop->say("/msg bob the first words");
    auto got = bob->take("message", with_text("the first words"));
    EXPECT_EQ(got["from"], "alice");
    EXPECT_EQ(got["device"], "laptop");
    EXPECT_EQ(got["conversation"], "alice");
    EXPECT_TRUE(is_fingerprint(got["fingerprint"], fp("alice", "laptop"))) << got.dump();
    // The copy on alice's phone is in her conversation with bob.
    auto copy = phone->take("message", with_text("the first words"));
    EXPECT_EQ(copy["from"], "alice");
    EXPECT_EQ(copy["device"], "laptop");
    EXPECT_EQ(copy["conversation"], "bob");
    EXPECT_EQ(copy["seqno"], got["seqno"]);
    EXPECT_EQ(copy["mid"], got["mid"]) << "every copy of one message has the same id";
    // Each receiving device signed a delivered statement, reported per device.
    auto to_bob = laptop->take("delivered", with("device", "default"));
    EXPECT_EQ(to_bob["to"], "bob");
    EXPECT_TRUE(is_fingerprint(to_bob["fingerprint"], fp("bob"))) << to_bob.dump();
    EXPECT_EQ(to_bob["seqno"], got["seqno"]);
    EXPECT_EQ(to_bob["mid"], got["mid"]);
    auto to_phone = laptop->take("delivered", with("device", "phone"));
    EXPECT_TRUE(is_fingerprint(to_phone["fingerprint"], fp("alice", "phone"))) << to_phone.dump();
    EXPECT_EQ(to_phone["mid"], got["mid"]);

    bob->say("/msg alice and the answer");
    for (auto* device : {laptop.get(), phone.get()}) {
        auto answer = device->take("message", with_text("and the answer"));
        EXPECT_EQ(answer["from"], "bob") << device->label();
        EXPECT_EQ(answer["device"], "default");
        EXPECT_EQ(answer["conversation"], "bob");
        EXPECT_TRUE(is_fingerprint(answer["fingerprint"], fp("bob"))) << answer.dump();
    }
    bob->take("delivered", with("device", "laptop"));
    bob->take("delivered", with("device", "phone"));

    laptop->say("/devices bob");
    auto devices = laptop->take("devices", with("user", "bob"));
    ASSERT_EQ(devices["devices"].size(), 1U) << devices.dump();
    EXPECT_EQ(devices["devices"][0]["name"], "default");
    EXPECT_TRUE(is_fingerprint(devices["devices"][0]["fingerprint"], fp("bob"))) << devices.dump();
    EXPECT_EQ(devices["devices"][0]["state"], "trusted");
}

TEST_F(E2eCli, ANewDeviceOfAKnownContactIsAWarningWithItsFingerprint) {
    auto laptop = start("alice", "laptop", Start::registers);
    auto bob = start("bob", "", Start::registers);
    befriend(*laptop, "alice", *bob, "bob");
    laptop->say("/msg bob hello from the laptop");
    bob->take("message", with_text("hello from the laptop"));
    bob->say("/msg alice hello laptop");  // bob now knows alice's devices: the laptop
    laptop->take("message", with_text("hello laptop"));
    bob->take("sent", with_text("hello laptop"));  // after any warning about alice's devices
    EXPECT_TRUE(bob->seen("warning").empty()) << "a first contact is pinned silently\n"
                                              << bob->transcript();

    ASSERT_TRUE(ca_.issue("alice", "tablet"));
    auto tablet = start("alice", "tablet", Start::logs_in);
    bob->say("/msg alice who else is there");
    auto warning = bob->take("warning", with("code", "device_added"));
    EXPECT_EQ(warning["user"], "alice");
    EXPECT_EQ(warning["device"], "tablet");
    EXPECT_TRUE(is_fingerprint(warning["fingerprint"], fp("alice", "tablet"))) << warning.dump();
    // The CA vouches for it: it is used at once.
    auto got = tablet->take("message", with_text("who else is there"));
    EXPECT_EQ(got["from"], "bob");
    laptop->take("message", with_text("who else is there"));
}

TEST_F(E2eCli, AChangedDeviceGetsNothingUntilTrusted) {
    auto laptop = start("alice", "laptop", Start::registers);
    auto phone = start("alice", "phone", Start::logs_in);
    auto bob = start("bob", "", Start::registers);
    befriend(*laptop, "alice", *bob, "bob");
    laptop->say("/msg bob one");
    bob->take("message", with_text("one"));
    bob->say("/msg alice two");  // bob pins alice's laptop and phone
    laptop->take("message", with_text("two"));
    phone->take("message", with_text("two"));
    std::string old_phone = fp("alice", "phone");

    // The phone is re-installed with a new key under the same device name. The CA never replaces
    // a file, so its new certificate is issued from a copy of the CA directory (same CA key).
    phone->say("/quit");
    EXPECT_EQ(phone->process().wait_exit(kE2eWait), 0) << phone->transcript();
    CliCa again{tmp_ / "ca-again", CliCa::Existing::yes};
    fs::copy(ca_.dir, again.dir, fs::copy_options::recursive);
    fs::remove(again.cert("alice", "phone"));
    fs::remove(again.key("alice", "phone"));
    ASSERT_TRUE(again.issue("alice", "phone"));
    std::string new_phone = fingerprint_of(again.cert("alice", "phone"));
    ASSERT_NE(new_phone, old_phone);
    auto phone2 = start("alice", "phone", Start::logs_in, &again);

    bob->say("/msg alice three");
    auto warning = bob->take("warning", with("code", "device_changed"));
    EXPECT_EQ(warning["user"], "alice");
    EXPECT_EQ(warning["device"], "phone");
    EXPECT_TRUE(is_fingerprint(warning["old_fingerprint"], old_phone)) << warning.dump();
    EXPECT_TRUE(is_fingerprint(warning["fingerprint"], new_phone)) << warning.dump();
    auto three = laptop->take("message", with_text("three"));
    bob->take("sent", with("mid", three.value("mid", "")));
    for (const auto& relayed : bob->seen("relayed")) {
        EXPECT_FALSE(is_fingerprint(relayed["fingerprint"], new_phone) &&
                     relayed["status"] == "stored")
            << "sent to a changed device before /trust: " << relayed.dump();
    }

    bob->say("/devices alice");
    auto held = bob->take("devices", with("user", "alice"));
    bool phone_held = false;
    for (const auto& d : held["devices"]) {
        phone_held = phone_held || (d["name"] == "phone" && d["state"] == "changed" &&
                                    is_fingerprint(d["pending_fingerprint"], new_phone));
    }
    EXPECT_TRUE(phone_held) << held.dump();

    bob->say("/trust alice phone");
    bob->say("/msg alice four");
    // The new phone's first message is "four": "three" never went to it.
    auto first = phone2->take("message");
    EXPECT_EQ(first["text"], "four") << phone2->transcript();
    EXPECT_EQ(first["from"], "bob");
    laptop->take("message", with_text("four"));
    bob->take("delivered", all_of({with("device", "phone"), [&](const json& e) {
                                       return is_fingerprint(e["fingerprint"], new_phone);
                                   }}));
}

TEST_F(E2eCli, TheServerRefusesStrangersAndDisabledRecipientsByName) {
    auto alice = start("alice", "laptop", Start::registers);
    auto bob = start("bob", "", Start::registers);
    auto carol = start("carol", "", Start::registers);
    befriend(*alice, "alice", *bob, "bob");
    befriend(*alice, "alice", *carol, "carol");

    carol->say("/msg bob we have not met");
    EXPECT_EQ(carol->take("error")["code"], "not_friends") << carol->transcript();
    // A message bob gets afterwards shows that carol's never reached him.
    alice->say("/msg bob after carol");
    bob->take("message", with_text("after carol"));
    for (const auto& m : bob->seen("message")) {
        EXPECT_NE(m["text"], "we have not met") << bob->transcript();
    }

    // On the server host, against the store the running server uses.
    auto disable = securechat(
        {"server", "admin", "disable", "carol", "--data-dir", (tmp_ / "server-data").string()});
    ASSERT_EQ(disable.exit_code, 0) << disable.output;
    alice->say("/msg carol are you still there");
    EXPECT_EQ(alice->take("error")["code"], "account_disabled") << alice->transcript();
}

// Issue 12 item 1 with the real binaries: a copy for a device with no session is stored (the
// server's signed statement says so), and that device gets it at its next login, then answers
// with its delivered statement.
TEST_F(E2eCli, AnOfflineDeviceGetsItsCopyAtItsNextLogin) {
    auto laptop = start("alice", "laptop", Start::registers);
    auto phone = start("alice", "phone", Start::logs_in);
    auto bob = start("bob", "", Start::registers);
    befriend(*laptop, "alice", *bob, "bob");
    phone->say("/quit");
    EXPECT_EQ(phone->process().wait_exit(kE2eWait), 0) << phone->transcript();
    ASSERT_TRUE(wait_connections(2)) << "the phone's session is still open";

    laptop->say("/msg bob while the phone sleeps");
    auto stored = laptop->take("stored", with("device", "phone"));
    EXPECT_TRUE(is_fingerprint(stored["fingerprint"], fp("alice", "phone"))) << stored.dump();
    auto to_bob = laptop->take("stored", with("to", "bob"));
    EXPECT_EQ(to_bob["seqno"], stored["seqno"]);
    bob->take("message", with_text("while the phone sleeps"));
    laptop->take("delivered", with("device", "default"));

    phone = start("alice", "phone", Start::logs_in);
    auto copy = phone->take("message", with_text("while the phone sleeps"));
    EXPECT_EQ(copy["conversation"], "bob");
    EXPECT_EQ(copy["seqno"], stored["seqno"]);
    auto delivered = laptop->take("delivered", with("device", "phone"));
    EXPECT_EQ(delivered["seqno"], stored["seqno"]);
}

// Issue 12 item 10: the history is on this device's disk, so it is there after a restart;
// /history prints it, /disclose hands out one message's text with its salt.
TEST_F(E2eCli, HistoryIsShownAfterTheClientRestartsAndOneMessageCanBeDisclosed) {
    auto laptop = start("alice", "laptop", Start::registers);
    auto bob = start("bob", "", Start::registers);
    befriend(*laptop, "alice", *bob, "bob");
    laptop->say("/msg bob remember this");
    auto got = bob->take("message", with_text("remember this"));
    laptop->take("delivered", with("to", "bob"));
    bob->say("/msg alice and this too");
    laptop->take("message", with_text("and this too"));
    laptop->say("/quit");
    EXPECT_EQ(laptop->process().wait_exit(kE2eWait), 0) << laptop->transcript();

    auto again = start("alice", "laptop", Start::logs_in);
    again->say("/history bob");
    auto history = again->take("history", with("with", "bob"));
    ASSERT_EQ(history["messages"].size(), 2U) << history.dump();
    const auto& first = history["messages"][0];
    EXPECT_EQ(first["direction"], "sent");
    EXPECT_EQ(first["text"], "remember this");
    EXPECT_EQ(first["mid"], got["mid"]);
    EXPECT_EQ(first["seqno"], got["seqno"]);
    EXPECT_EQ(first["mark"], "delivered") << first.dump();
    ASSERT_EQ(first["copies"].size(), 1U);
    EXPECT_TRUE(is_fingerprint(first["copies"][0]["fingerprint"], fp("bob")));
    EXPECT_EQ(first["copies"][0]["state"], "delivered");
    const auto& second = history["messages"][1];
    EXPECT_EQ(second["direction"], "received");
    EXPECT_EQ(second["from"], "bob");
    EXPECT_EQ(second["text"], "and this too");
    again->say("/history bob 1");
    auto last = again->take("history", with("with", "bob"));
    ASSERT_EQ(last["messages"].size(), 1U) << last.dump();
    EXPECT_EQ(last["messages"][0]["text"], "and this too");
    again->say("/history bob 0");
    EXPECT_EQ(again->take("error")["code"], "bad_command") << again->transcript();

    auto file = tmp_ / "disclosed.json";
    again->say("/disclose bob " + got["mid"].get<std::string>() + " " + file.string());
    auto done = again->take("done", with("request", "disclose"));
    EXPECT_NE(done["message"].get<std::string>().find(file.string()), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    auto disclosed = json::parse(read_text(file));
    EXPECT_EQ(disclosed["disclosure"], "securechat/v1 disclosure");
    EXPECT_EQ(disclosed["mid"], got["mid"]);
    EXPECT_EQ(disclosed["text"], "remember this");
    // The salt opens the commitment of the copy bob got, as its transcript line holds it.
    auto salt = from_hex(disclosed["salt"].get<std::string>());
    ASSERT_TRUE(salt);
    auto lines = read_text(tmp_ / "data-alice@laptop" / "e2e" / fp("alice", "laptop") /
                           "conversations" / "bob.jsonl");
    bool opened = false;
    for (std::size_t at = 0; at < lines.size();) {
        auto end = lines.find('\n', at);
        auto line = json::parse(lines.substr(at, end - at));
        at = end + 1;
        if (line.value("line", "") != "sent") {
            continue;
        }
        auto envelope =
            e2e::parse_message_envelope(*base64_decode(line["envelope"].get<std::string>()));
        ASSERT_TRUE(envelope);
        opened = opened || envelope.value().commit ==
                               e2e::message_commitment(*salt, disclosed["text"].get<std::string>());
    }
    EXPECT_TRUE(opened) << lines;
    // The transcript this real client kept, with the real server's stored statements, verifies
    // with the root CA alone, and so does the disclosure.
    auto transcript =
        tmp_ / "data-alice@laptop" / "e2e" / fp("alice", "laptop") / "conversations" / "bob.jsonl";
    auto verified = securechat({"verify", "conversation", transcript.string(), "--ca",
                                (ca_.dir / "ca.crt").string(), "--disclose", file.string()});
    EXPECT_EQ(verified.exit_code, 0) << verified.output;
    EXPECT_NE(verified.output.find("remember this"), std::string::npos) << verified.output;
    EXPECT_NE(lines.find("\"line\":\"stored\""), std::string::npos) << lines;
    // A message that is not in the history is refused by name, and writes nothing.
    again->say("/disclose bob " + std::string(32, '0') + " " + (tmp_ / "none.json").string());
    EXPECT_EQ(again->take("error")["code"], "bad_command");
    EXPECT_FALSE(fs::exists(tmp_ / "none.json"));
}

}  // namespace
}  // namespace sc::test

// The client facing a hostile server (issue 11, docs/PROTOCOL.md §10): the real `securechat
// chat --json` binary logs in to a ScriptedServer, a real ServerSession whose every answer and
// push the test writes. The other user's device is played with the real e2e library (genuine
// bundles and envelopes from DeviceSessions, real certificates of the test CA), and the server
// then swaps a prekey, serves a certificate for another name or from another CA, or replays,
// reorders or drops envelopes. The client must name each: an error, or a warning.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>

#include "common/files.h"
#include "crypto/key_file.h"
#include "e2e/device_sessions.h"
#include "e2e/device_trust.h"
#include "e2e_fixture.h"
#include "pki/certificate.h"
#include "proto/limits.h"
#include "scripted_server.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

namespace fs = std::filesystem;
namespace msg = proto::msg;
using proto::ErrorCode;

std::uint64_t now_ms() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// A device the test plays: its certificate and key, its real DeviceSessions, and the bundle it
// would publish (a signed prekey and one one-time prekey, each signed with its key).
struct PlayedDevice {
    PlayedDevice(const fs::path& cert_pem, const fs::path& key_pem, const fs::path& state) {
        auto cert = pki::Certificate::from_pem(read_text(cert_pem));
        auto loaded = crypto::load_private_key(key_pem);
        if (!cert || !loaded) {
            ADD_FAILURE() << "cannot load " << cert_pem;
            return;
        }
        key = std::make_unique<crypto::PrivateKey>(std::move(loaded).value());
        device.emplace(e2e::VerifiedDevice{.user = cert->common_name(),
                                           .name = "default",
                                           .fp = cert->fingerprint(),
                                           .cert_der = cert->to_der(),
                                           .key = cert->public_key()});
        auto opened = e2e::DeviceSessions::open(state, *device, *key, entropy);
        if (!opened) {
            ADD_FAILURE() << opened.error().message;
            return;
        }
        sessions = std::make_unique<e2e::DeviceSessions>(std::move(opened).value());
        auto published = sessions->prekeys_to_publish(msg::PrekeyStatus{}, now_ms());
        if (!published || !*published || (*published)->one_time.empty()) {
            ADD_FAILURE() << "no prekeys to publish";
            return;
        }
        const auto& p = **published;
        const auto& otk = p.one_time.front();
        bundle = msg::KeyBundle{.id = 0,
                                .user = device->user,
                                .device = device->fp.hex(),
                                .cert = device->cert_der,
                                .spk_id = p.spk_id,
                                .spk = p.spk,
                                .spk_ts = p.spk_ts,
                                .spk_sig = p.spk_sig,
                                .otk_id = otk.key_id,
                                .otk = otk.key,
                                .otk_ts = otk.ts,
                                .otk_sig = otk.sig};
    }
    proto::SystemEntropy entropy;
    std::unique_ptr<crypto::PrivateKey> key;
    std::optional<e2e::VerifiedDevice> device;  // no key without a certificate
    std::unique_ptr<e2e::DeviceSessions> sessions;
    msg::KeyBundle bundle;
};

// What the hostile server says, decided by the test before the client connects; what the client
// did, read after the connection ended. Guarded: the script runs on the server's thread.
struct Stage {
    std::mutex mutex;
    // Per user, the devices `devices` lists and the bundle `bundle` answers for each.
    std::map<std::string, std::vector<msg::KeyBundle>> devices;
    // Envelopes pushed once the client has published its signed prekey (its bundle is
    // passed in), in the order given: the test's replays, reorderings and drops.
    std::function<std::vector<msg::Envelope>(const msg::KeyBundle&)> after_publish;
    std::vector<msg::Relay> relayed;  // every send the client made
};

class E2eHostileServer : public ::testing::Test {
  protected:
    E2eHostileServer() : ca_(tmp_ / "ca") {
        // TestCa has the server and bob; alice (the client under test) and carol come from the
        // CLI, and a second CA issues another "bob".
        for (const char* user : {"alice", "carol"}) {
            auto r = securechat({"pki", "issue", "--dir", ca_.dir.string(), "--client", user});
            EXPECT_EQ(r.exit_code, 0) << r.output;
        }
        auto other = tmp_ / "other-ca";
        auto init = securechat({"pki", "init", "--dir", other.string(), "--name", "Other CA"});
        EXPECT_EQ(init.exit_code, 0) << init.output;
        auto bob = securechat({"pki", "issue", "--dir", other.string(), "--client", "bob"});
        EXPECT_EQ(bob.exit_code, 0) << bob.output;
    }

    std::unique_ptr<PlayedDevice> play(const std::string& user, const fs::path& dir) {
        return std::make_unique<PlayedDevice>(
            dir / (user + ".crt"), dir / (user + ".key"),
            tmp_ / ("state-" + user + "-" + dir.filename().string()));
    }
    fs::path other_ca() const { return tmp_ / "other-ca"; }

    // Starts the scripted server and alice's client, logged in.
    void start() {
        server_.emplace(
            ca_, [this](proto::ServerSession& s, const msg::Request& r) { return serve(s, r); },
            proto::Role::user, ScriptedBehaviour{.answer_prekeys = false});
        alice_ = std::make_unique<JsonChat>(
            chat_argv(ca_.dir / "ca.crt", server_->port(), ca_.dir / "alice.crt",
                      ca_.dir / "alice.key", tmp_ / "data-alice"),
            "alice");
        alice_->say("/login alice alice-long-password");
        alice_->take("logged_in");
    }
    // Quits and returns what the server saw. Line mode exits 1 when a command failed (the
    // refusals below), 0 otherwise.
    ServerLog finish(int expected_exit) {
        alice_->say("/quit");
        EXPECT_EQ(alice_->process().wait_exit(kE2eWait), expected_exit) << alice_->transcript();
        auto log = server_->log();
        EXPECT_EQ(log.error, "");
        return log;
    }

    proto::Output serve(proto::ServerSession& s, const msg::Request& r) {
        std::lock_guard lock(stage_.mutex);
        auto id = msg::request_id(r);
        if (const auto* p = std::get_if<msg::PublishPrekeys>(&r)) {
            if (p->spk_id != 0) {
                alice_spk_ = *p;
            }
            auto out = s.answer(
                msg::PrekeyStatus{.id = id,
                                  .spk_id = alice_spk_ ? alice_spk_->spk_id : 0,
                                  .spk_ts = alice_spk_ ? alice_spk_->spk_ts : 0,
                                  .one_time_left = alice_spk_ ? proto::kMaxOneTimePrekeys : 0});
            if (p->spk_id != 0 && stage_.after_publish) {
                auto pushes = stage_.after_publish(alice_bundle(*p));
                stage_.after_publish = nullptr;
                for (auto& e : pushes) {
                    out.append(s.push(std::move(e)));
                }
            }
            return out;
        }
        if (const auto* d = std::get_if<msg::ListDevices>(&r)) {
            msg::DeviceList list{.id = id, .user = d->user, .devices = {}};
            for (const auto& b : stage_.devices[d->user]) {
                list.devices.push_back({.device = b.device, .name = "default"});
            }
            return s.answer(std::move(list));
        }
        if (const auto* b = std::get_if<msg::FetchBundle>(&r)) {
            for (auto bundle : stage_.devices[b->user]) {
                if (bundle.device == b->device) {
                    bundle.id = id;
                    return s.answer(std::move(bundle));
                }
            }
            return s.answer(
                msg::Result{.id = id, .code = ErrorCode::no_such_device, .message = ""});
        }
        if (const auto* send = std::get_if<msg::Relay>(&r)) {
            stage_.relayed.push_back(*send);
            return answer_ok(s, r);
        }
        if (std::holds_alternative<msg::ListFriends>(r)) {
            return s.answer(msg::FriendList{.id = id,
                                            .friends = {"bob", "carol"},
                                            .online = {"bob"},
                                            .incoming = {},
                                            .outgoing = {}});
        }
        return answer_ok(s, r);
    }
    // alice's bundle as her client published it, with her certificate.
    msg::KeyBundle alice_bundle(const msg::PublishPrekeys& p) const {
        auto cert = pki::Certificate::from_pem(read_text(ca_.dir / "alice.crt"));
        return msg::KeyBundle{.id = 0,
                              .user = "alice",
                              .device = cert->fingerprint().hex(),
                              .cert = cert->to_der(),
                              .spk_id = p.spk_id,
                              .spk = p.spk,
                              .spk_ts = p.spk_ts,
                              .spk_sig = p.spk_sig,
                              .otk_id = 0,
                              .otk = {},
                              .otk_ts = 0,
                              .otk_sig = {}};
    }
    // `from` seals `text` for alice's device (the first seal carries the X3DH init) as the
    // envelope push a server relays.
    msg::Envelope seal_for_alice(PlayedDevice& from, const msg::KeyBundle& alice,
                                 const std::string& text) {
        auto bundle = e2e::verify_bundle(alice, "alice", ca_.trust(), now_ms());
        EXPECT_TRUE(bundle) << (bundle ? "" : bundle.error().message);
        if (!bundle) {
            return {};
        }
        auto conv = e2e::Conversation::between(from.device->user, "alice");
        auto mid = from.entropy.random(kMessageIdBytes);
        e2e::OutgoingMessage m{.conv = *conv,
                               .mid = *MessageId::from_view(*mid),
                               .seq = from.sessions->next_seq(*conv),
                               .ts = now_ms(),
                               .text = text};
        auto sealed = from.sessions->seal(bundle->device, &*bundle, m);
        EXPECT_TRUE(sealed) << (sealed ? "" : sealed.error().message);
        if (!sealed) {
            return {};
        }
        return msg::Envelope{.from = from.device->user,
                             .device = from.device->fp.hex(),
                             .mid = Bytes(mid->begin(), mid->end()),
                             .held = 1,
                             .ts = now_ms(),
                             .body = sealed->body};
    }
    bool sent_to(const std::string& user) {
        std::lock_guard lock(stage_.mutex);
        return std::any_of(stage_.relayed.begin(), stage_.relayed.end(),
                           [&](const msg::Relay& r) { return r.to == user; });
    }

    TempDir tmp_;
    TestCa ca_;
    Stage stage_;
    std::optional<msg::PublishPrekeys> alice_spk_;
    std::optional<ScriptedServer> server_;
    std::unique_ptr<JsonChat> alice_;
};

TEST_F(E2eHostileServer, ASwappedPrekeyIsRefusedAndNothingIsSentToThatDevice) {
    auto bob = play("bob", ca_.dir);
    auto swapped = bob->bundle;
    swapped.spk = swapped.otk;  // a real X25519 key, but not the one bob signed as his prekey
    stage_.devices["bob"] = {swapped};
    start();
    alice_->say("/msg bob this must not leave");
    auto error = alice_->take("error", with("code", "bad_prekey"));
    finish(1);
    EXPECT_FALSE(sent_to("bob")) << "an envelope went to a device whose prekey did not verify";
}

TEST_F(E2eHostileServer, ACertificateForAnotherNameIsRefusedNamingIt) {
    auto carol = play("carol", ca_.dir);
    auto as_bob = carol->bundle;  // carol's genuine bundle, served as bob's device
    as_bob.user = "bob";
    stage_.devices["bob"] = {as_bob};
    start();
    alice_->say("/msg bob are you really bob");
    auto error = alice_->take("error", with("code", "bad_certificate"));
    EXPECT_NE(error.value("message", "").find("carol"), std::string::npos) << error.dump();
    finish(1);
    EXPECT_FALSE(sent_to("bob"));
}

TEST_F(E2eHostileServer, ACertificateFromAnotherCaIsRefused) {
    auto impostor = play("bob", other_ca());  // "bob", vouched for by a CA alice does not trust
    stage_.devices["bob"] = {impostor->bundle};
    start();
    alice_->say("/msg bob which CA are you from");
    auto error = alice_->take("error", with("code", "bad_certificate"));
    finish(1);
    EXPECT_FALSE(sent_to("bob"));
}

TEST_F(E2eHostileServer, AReplayedEnvelopeIsAWarningAndShownOnce) {
    auto bob = play("bob", ca_.dir);
    stage_.devices["bob"] = {bob->bundle};
    stage_.after_publish = [&](const msg::KeyBundle& alice) {
        auto once = seal_for_alice(*bob, alice, "said only once");
        auto later = seal_for_alice(*bob, alice, "said after the replay");
        return std::vector<msg::Envelope>{once, once, later};
    };
    start();
    alice_->take("message", with_text("said only once"));
    auto warning = alice_->take("warning", with("code", "replayed"));
    EXPECT_EQ(warning["user"], "bob") << warning.dump();
    alice_->take("message", with_text("said after the replay"));
    std::size_t shown = 0;
    for (const auto& m : alice_->seen("message")) {
        shown += m["text"] == "said only once" ? 1U : 0U;
    }
    EXPECT_EQ(shown, 1U) << alice_->transcript();
    finish(0);
}

TEST_F(E2eHostileServer, ReorderedEnvelopesAreAWarning) {
    auto bob = play("bob", ca_.dir);
    stage_.devices["bob"] = {bob->bundle};
    stage_.after_publish = [&](const msg::KeyBundle& alice) {
        auto first = seal_for_alice(*bob, alice, "written first");
        auto second = seal_for_alice(*bob, alice, "written second");
        return std::vector<msg::Envelope>{second, first};
    };
    start();
    auto second = alice_->take("message", with_text("written second"));
    auto first = alice_->take("message", with_text("written first"));
    EXPECT_LT(first["seqno"], second["seqno"]);
    auto warning = alice_->take("warning", with("code", "out_of_order"));
    EXPECT_EQ(warning["user"], "bob") << warning.dump();
    finish(0);
}

TEST_F(E2eHostileServer, ADroppedEnvelopeIsAWarningOnTheNext) {
    auto bob = play("bob", ca_.dir);
    stage_.devices["bob"] = {bob->bundle};
    stage_.after_publish = [&](const msg::KeyBundle& alice) {
        auto one = seal_for_alice(*bob, alice, "number one");
        seal_for_alice(*bob, alice, "number two, dropped");
        auto three = seal_for_alice(*bob, alice, "number three");
        return std::vector<msg::Envelope>{one, three};
    };
    start();
    alice_->take("message", with_text("number one"));
    alice_->take("message", with_text("number three"));
    auto warning = alice_->take("warning", with("code", "messages_missing"));
    EXPECT_EQ(warning["user"], "bob") << warning.dump();
    EXPECT_EQ(alice_->seen("warning").size(), 1U) << alice_->transcript();
    finish(0);
}

}  // namespace
}  // namespace sc::test

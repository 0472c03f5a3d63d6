// Issue 12 item 8 with the real binary: a root CA that signs two intermediate CAs with
// `securechat pki init --parent`, one for servers and one for users. The server and two users
// present leaf + intermediate, trust the root alone, chat end to end, and everything they keep
// (the session transcript and receipts, the conversation transcript with the server's stored
// statements and the delivered statements) verifies offline with nothing but the root
// certificate, and with the CRLs of every CA, which must all be given.
#include <gtest/gtest.h>

#include <memory>

#include "common/files.h"
#include "pki/certificate.h"

#include "e2e_fixture.h"
#include "server_fixture.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sc::test {
namespace {

namespace fs = std::filesystem;

CommandResult ok_command(const std::vector<std::string>& args) {
    auto r = securechat(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r;
}

class IntermediateCaCli : public ::testing::Test {
  protected:
    IntermediateCaCli() {
        ok_command({"pki", "init", "--dir", root().string(), "--name", "Root CA"});
        auto made = ok_command({"pki", "init", "--dir", servers().string(), "--name", "Servers CA",
                                "--parent", root().string()});
        EXPECT_NE(made.output.find("Created intermediate CA 'Servers CA'"), std::string::npos)
            << made.output;
        ok_command({"pki", "init", "--dir", users().string(), "--name", "Users CA", "--parent",
                    root().string()});
        ok_command({"pki", "issue", "--dir", servers().string(), "--server", "server", "--san",
                    "IP:127.0.0.1"});
        ok_command({"pki", "issue", "--dir", users().string(), "--client", "alice"});
        ok_command({"pki", "issue", "--dir", users().string(), "--client", "bob"});
        std::string bundle;
        for (const auto& dir : {root(), servers(), users()}) {
            ok_command({"pki", "crl", "--dir", dir.string()});
            bundle += read_text(dir / "ca.crl");
        }
        // The server checks every CA of a client's path: it needs each CA's CRL, in one file.
        write_text(crl_bundle(), bundle);
        server::Settings s;
        s.listen = {"127.0.0.1:0"};
        s.cert = servers() / "server.crt";
        s.key = servers() / "server.key";
        s.ca = root() / "ca.crt";
        s.crl = crl_bundle();
        s.data_dir = tmp_ / "server-data";
        s.log_level = "warn";
        s.security.argon2_opslimit = 1;
        s.security.argon2_memlimit = 8 * 1024 * 1024;
        s.limits.io_threads = 2;
        server_ = std::make_unique<RunningServer>(std::move(s));
    }

    fs::path root() const { return tmp_ / "root"; }
    fs::path servers() const { return tmp_ / "servers"; }
    fs::path users() const { return tmp_ / "users"; }
    fs::path crl_bundle() const { return tmp_ / "crls.pem"; }
    fs::path data(const std::string& user) const { return tmp_ / ("data-" + user); }

    // A client that checks the server's path against every CA's CRL, as the server checks its.
    std::unique_ptr<JsonChat> registered(const std::string& user) {
        auto args = chat_argv(root() / "ca.crt", server_->port(), users() / (user + ".crt"),
                              users() / (user + ".key"), data(user));
        args.insert(args.end(), {"--crl", crl_bundle().string()});
        auto chat = std::make_unique<JsonChat>(args, user);
        chat->say("/register " + user + "@example.org " + user + " " + user + "-long-password");
        chat->take("registered");
        wait_for_prekey(tmp_ / "server-data" / "securechat.db",
                        fingerprint_of(users() / (user + ".crt")));
        return chat;
    }

    // `securechat verify ...` with the root CA and `crls` (file names in the CA directories).
    CommandResult verify(std::vector<std::string> args, const std::vector<fs::path>& crls) {
        args.insert(args.end(), {"--ca", (root() / "ca.crt").string()});
        for (const auto& crl : crls) {
            args.insert(args.end(), {"--crl", crl.string()});
        }
        return securechat(args);
    }

    TempDir tmp_;
    std::unique_ptr<RunningServer> server_;
};

TEST_F(IntermediateCaCli, EveryTranscriptAndReceiptVerifiesWithTheRootAloneAndEveryCasCrl) {
    // What an intermediate issues is written with it: leaf, then the intermediate.
    auto chain = pki::Certificate::chain_from_pem(read_text(users() / "alice.crt"));
    ASSERT_TRUE(chain);
    ASSERT_EQ(chain->size(), 2U);
    EXPECT_EQ(chain->at(1).common_name(), "Users CA");
    // The root refuses to sign a CA under an intermediate (pathlen 0).
    auto deeper = securechat({"pki", "init", "--dir", (tmp_ / "deeper").string(), "--name",
                              "Deeper CA", "--parent", users().string()});
    EXPECT_NE(deeper.exit_code, 0);
    EXPECT_NE(deeper.output.find("itself an intermediate CA"), std::string::npos) << deeper.output;

    auto alice = registered("alice");
    auto bob = registered("bob");
    alice->say("/friend request bob");
    bob->take("friend_request", with("from", "alice"));
    bob->say("/friend accept alice");
    alice->take("friend_added", with("user", "bob"));
    alice->say("/msg bob signed under an intermediate");
    bob->take("message", with_text("signed under an intermediate"));
    alice->take("stored", with("to", "bob"));
    alice->take("delivered", with("to", "bob"));
    alice->say("/quit");
    auto saved = alice->take("receipt_saved");
    ASSERT_FALSE(saved.is_null()) << alice->transcript();
    EXPECT_EQ(alice->process().wait_exit(kE2eWait), 0) << alice->transcript();

    const std::vector<fs::path> every_crl{root() / "ca.crl", servers() / "ca.crl",
                                          users() / "ca.crl"};
    const auto transcript = saved["transcript"].get<std::string>();
    const auto server_cert = (servers() / "server.crt").string();
    for (const auto& crls : {std::vector<fs::path>{}, every_crl}) {
        auto session = verify(
            {"verify", transcript, saved["peer_receipt"].get<std::string>(), "--cert", server_cert},
            crls);
        EXPECT_EQ(session.exit_code, 0) << session.output;
        auto own = verify({"verify", transcript, saved["own_receipt"].get<std::string>(), "--cert",
                           (users() / "alice.crt").string()},
                          crls);
        EXPECT_EQ(own.exit_code, 0) << own.output;
    }
    // The root's CRL alone says nothing about a leaf of an intermediate: named, not guessed.
    auto partial = verify({"verify", transcript}, {root() / "ca.crl"});
    EXPECT_EQ(partial.exit_code, 1) << partial.output;
    EXPECT_NE(partial.output.find("no CRL of its issuer"), std::string::npos) << partial.output;

    auto conversation = data("alice") / "e2e" / fingerprint_of(users() / "alice.crt") /
                        "conversations" / "bob.jsonl";
    for (const auto& crls : {std::vector<fs::path>{}, every_crl}) {
        auto checked = verify({"verify", "conversation", conversation.string()}, crls);
        EXPECT_EQ(checked.exit_code, 0) << checked.output;
        EXPECT_NE(checked.output.find("stored by the server 'server'"), std::string::npos)
            << checked.output;
        EXPECT_NE(checked.output.find("delivered"), std::string::npos) << checked.output;
        EXPECT_EQ(checked.output.find("not delivered"), std::string::npos) << checked.output;
    }
    auto conv_partial =
        verify({"verify", "conversation", conversation.string()}, {root() / "ca.crl"});
    EXPECT_EQ(conv_partial.exit_code, 1) << conv_partial.output;

    // A certificate from the users' CA presented without its intermediate has no path to the
    // root: `pki verify` names it, as the handshake does.
    fs::path leaf_only = tmp_ / "alice-leaf.pem";
    ASSERT_TRUE(write_file_atomically(leaf_only, as_bytes(chain->front().to_pem()),
                                      FileMode::public_0644, Replace::no));
    auto alone = securechat({"pki", "verify", "--ca", (root() / "ca.crt").string(), "--name",
                             "alice", "--purpose", "client", leaf_only.string()});
    EXPECT_NE(alone.exit_code, 0);
    EXPECT_NE(alone.output.find("unknown_issuer"), std::string::npos) << alone.output;
    auto with_chain =
        securechat({"pki", "verify", "--ca", (root() / "ca.crt").string(), "--name", "alice",
                    "--purpose", "client", "--crl", (root() / "ca.crl").string(), "--crl",
                    (users() / "ca.crl").string(), (users() / "alice.crt").string()});
    EXPECT_EQ(with_chain.exit_code, 0) << with_chain.output;
}

}  // namespace
}  // namespace sc::test

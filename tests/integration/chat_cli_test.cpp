// `securechat chat --json` end to end: the real binary as a subprocess, fed commands on stdin,
// talking to a real server running in this process (server_fixture.h), with every JSON event it
// prints checked — the happy path with files that `securechat verify` accepts, and each error
// the client must put in plain words.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "pki/ca_directory.h"
#include "server_fixture.h"
#include "support/run_command.h"

namespace sc::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kPassword = "correct-horse-battery";

struct ChatRun {
    int exit_code = -1;
    std::string output;
    std::vector<json> events;

    std::vector<json> all(const std::string& name) const {
        std::vector<json> out;
        for (const auto& e : events) {
            if (e.value("event", "") == name) {
                out.push_back(e);
            }
        }
        return out;
    }
    json first(const std::string& name) const {
        auto found = all(name);
        return found.empty() ? json() : found.front();
    }
    // "connected registered sent ack ...": the sequence, for order checks and messages.
    std::string names() const {
        std::string out;
        for (const auto& e : events) {
            out += (out.empty() ? "" : " ") + e.value("event", "?");
        }
        return out;
    }
};

// A port nobody listens on: bound once to learn a free number, then released.
unsigned short free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

// Accepts TCP connections (the kernel does, from the backlog) and never says a word.
class SilentListener {
  public:
    SilentListener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(fd_, 8), 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~SilentListener() { ::close(fd_); }
    unsigned short port() const { return port_; }

  private:
    int fd_ = -1;
    unsigned short port_ = 0;
};

class ChatCli : public ::testing::Test {
  protected:
    ChatCli() : ca(tmp / "ca") {
        server = std::make_unique<RunningServer>(test_settings(ca, tmp / "server-data"));
    }

    struct Options {
        std::string client = "client";
        std::vector<std::string> extra{};
        std::optional<unsigned short> port{};
        fs::path ca_cert{};
        std::string timeout = "5";
    };

    std::vector<std::string> argv(const Options& o) const {
        std::vector<std::string> args{securechat_binary(),
                                      "chat",
                                      "--json",
                                      "--server",
                                      "127.0.0.1:" + std::to_string(o.port.value_or(port())),
                                      "--server-name",
                                      "server",
                                      "--ca",
                                      (o.ca_cert.empty() ? ca.dir / "ca.crt" : o.ca_cert).string(),
                                      "--cert",
                                      (ca.dir / (o.client + ".crt")).string(),
                                      "--key",
                                      (ca.dir / (o.client + ".key")).string(),
                                      "--data-dir",
                                      data_dir().string(),
                                      "--timeout",
                                      o.timeout};
        args.insert(args.end(), o.extra.begin(), o.extra.end());
        return args;
    }

    ChatRun chat(const std::string& input, const Options& o) const {
        auto result = run_command_with_input(argv(o), input);
        ChatRun run{result.exit_code, result.output, {}};
        std::istringstream lines(result.output);
        std::string line;
        while (std::getline(lines, line)) {
            // --json prints nothing but JSON, one object per line, each naming its event.
            auto parsed = json::parse(line, nullptr, false);
            EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
            if (parsed.is_object() && parsed.contains("event")) {
                run.events.push_back(parsed);
            } else {
                ADD_FAILURE() << "not an event: " << line;
            }
        }
        return run;
    }
    ChatRun chat(const std::string& input) const { return chat(input, Options{}); }

    unsigned short port() const { return server->port(); }
    fs::path data_dir() const { return tmp / "client-data"; }
    std::string register_line(const std::string& user = "client") const {
        return "/register " + user + "@example.com " + user + " " + kPassword + "\n";
    }
    void register_client() const {
        auto run = chat(register_line() + "/quit\n");
        ASSERT_EQ(run.exit_code, 0) << run.output;
    }

    TempDir tmp;
    TestCa ca;
    std::unique_ptr<RunningServer> server;
};

void expect_single_error(const ChatRun& run, const std::string& code, const std::string& message) {
    auto errors = run.all("error");
    ASSERT_EQ(errors.size(), 1U) << run.output;
    EXPECT_EQ(errors[0]["code"], code) << run.output;
    EXPECT_EQ(errors[0]["message"], message) << run.output;
    EXPECT_NE(run.exit_code, 0) << run.output;
}

TEST_F(ChatCli, RegisterChatAndQuitSavesEvidenceThatVerifies) {
    auto run = chat(register_line() + "hello server\nsecond message\n");  // EOF means /quit
    ASSERT_EQ(run.exit_code, 0) << run.output;
    // Each message waits for the registration, and the end waits for every acknowledgement.
    EXPECT_EQ(run.names(), "connected registered sent ack sent ack receipt_saved closed");
    auto connected = run.first("connected");
    EXPECT_EQ(connected["server_name"], "server");
    EXPECT_EQ(connected["subject"], "server");
    EXPECT_EQ(connected["fingerprint"],
              pki::load_certificate_chain(ca.dir / "server.crt")->front().fingerprint_text());
    EXPECT_EQ(run.first("registered")["username"], "client");
    EXPECT_EQ(run.all("sent")[0]["seqno"], 1);
    EXPECT_EQ(run.all("ack")[1]["seqno"], 2);
    EXPECT_EQ(run.first("closed")["reason"], "quit");

    auto saved = run.first("receipt_saved");
    for (const char* field : {"transcript", "own_receipt", "peer_receipt", "peer_cert"}) {
        fs::path path = saved[field].get<std::string>();
        EXPECT_TRUE(fs::exists(path)) << field << " " << path;
        EXPECT_EQ(path.parent_path(), data_dir() / "transcripts");
    }
    EXPECT_EQ(read_text(saved["peer_cert"].get<std::string>()), read_text(ca.dir / "server.crt"));
    EXPECT_EQ(fs::status(data_dir()).permissions() & fs::perms::all, fs::perms::owner_all);

    // The server's receipt against our transcript, exactly as the client suggests.
    auto verify =
        run_command({securechat_binary(), "verify", saved["transcript"], saved["peer_receipt"],
                     "--cert", saved["peer_cert"], "--ca", (ca.dir / "ca.crt").string()});
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    EXPECT_EQ(verify.output.rfind("OK: session", 0), 0U) << verify.output;
    EXPECT_NE(saved["verify"].get<std::string>().find(" verify "), std::string::npos);
    // And our own receipt, signed with our key, says the same.
    auto own = run_command({securechat_binary(), "verify", saved["transcript"],
                            saved["own_receipt"], "--cert", (ca.dir / "client.crt").string(),
                            "--ca", (ca.dir / "ca.crt").string()});
    EXPECT_EQ(own.exit_code, 0) << own.output;
}

TEST_F(ChatCli, LoginInASecondRun) {
    register_client();
    auto run = chat(std::string("/login client ") + kPassword + "\nback again\n/quit\n");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(run.names(), "connected logged_in sent ack receipt_saved closed");
    EXPECT_EQ(run.first("logged_in")["username"], "client");
}

TEST_F(ChatCli, PasswordMayContainSpaces) {
    auto run = chat("/register spaces@example.com spaces correct horse battery staple\n/quit\n");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    run = chat("/login spaces correct horse battery staple\n");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(run.first("logged_in")["username"], "spaces");
}

bool ipv6_loopback_available() {
    int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_loopback;
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

TEST_F(ChatCli, Ipv6InBracketsAndTheHostAsDefaultServerName) {
    if (!ipv6_loopback_available()) {
        GTEST_SKIP() << "no IPv6 loopback here";
    }
    auto settings = test_settings(ca, tmp / "server6-data");
    settings.listen = {"[::1]:0"};
    RunningServer server6(std::move(settings));
    auto args = argv({});
    // No --server-name: the certificate must then carry the host, here IP:::1.
    auto at = std::find(args.begin(), args.end(), "--server-name");
    args.erase(at, at + 2);
    *(std::find(args.begin(), args.end(), "--server") + 1) =
        "[::1]:" + std::to_string(server6.port());
    auto result = run_command_with_input(args, register_line());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find(R"("server":"[::1]:)"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find(R"("server_name":"::1")"), std::string::npos) << result.output;
}

TEST_F(ChatCli, WrongPasswordAndUnknownUserGetTheSameWords) {
    register_client();
    auto wrong = chat("/login client not-the-password\n");
    expect_single_error(wrong, "auth_failed", "wrong username or password");
    EXPECT_EQ(wrong.names(), "connected error closed");
    auto unknown = chat(std::string("/login nobody ") + kPassword + "\n");
    expect_single_error(unknown, "auth_failed", "wrong username or password");
}

TEST_F(ChatCli, LoginCanBeRetriedAfterAFailure) {
    register_client();
    auto run = chat(std::string("/login client not-the-password\n/login client ") + kPassword +
                    "\nsecond try\n");
    EXPECT_EQ(run.names(),
              "connected error closed connected logged_in sent ack receipt_saved closed");
    EXPECT_EQ(run.exit_code, 1) << "one command failed";
}

TEST_F(ChatCli, DuplicateUsernameIsRefused) {
    register_client();
    auto run = chat(std::string("/register other@example.com client ") + kPassword + "\n");
    expect_single_error(run, "registration_failed",
                        "registration refused: this username or email address cannot be "
                        "registered; choose others");
}

TEST_F(ChatCli, ConnectionRefused) {
    auto port = free_port();
    auto run = chat(register_line(), {.port = port});
    expect_single_error(
        run, "connection_refused",
        "cannot connect to 127.0.0.1:" + std::to_string(port) + ": connection refused");
    EXPECT_EQ(run.names(), "error closed");
    EXPECT_EQ(run.exit_code, 1);
}

TEST_F(ChatCli, ServerThatNeverAnswersTimesOut) {
    SilentListener silent;
    auto started = std::chrono::steady_clock::now();
    auto args = Options{.port = silent.port(), .timeout = "1"};
    auto run = chat(register_line(), args);
    expect_single_error(run, "timeout", "the server did not complete the handshake within 1 s");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(ChatCli, WrongServerNameIsACertificateError) {
    auto o = Options{};
    auto args = argv(o);
    std::replace(args.begin(), args.end(), std::string("server"), std::string("evil.example"));
    auto result = run_command_with_input(args, register_line());
    EXPECT_EQ(result.exit_code, 1) << result.output;
    auto error = json::parse(result.output.substr(0, result.output.find('\n')));
    EXPECT_EQ(error["event"], "error");
    EXPECT_EQ(error["code"], "bad_certificate");
    auto message = error["message"].get<std::string>();
    EXPECT_EQ(message.rfind("the server's certificate is not valid: ", 0), 0U) << message;
    EXPECT_NE(message.find("[name_mismatch]"), std::string::npos) << message;
}

TEST_F(ChatCli, ServerFromAnotherCaIsNotTrusted) {
    TestCa other(tmp / "other-ca");
    auto run = chat(register_line(), {.ca_cert = other.dir / "ca.crt"});
    ASSERT_EQ(run.all("error").size(), 1U) << run.output;
    auto message = run.first("error")["message"].get<std::string>();
    EXPECT_EQ(run.first("error")["code"], "bad_certificate");
    EXPECT_EQ(message.rfind("the server's certificate is not valid: ", 0), 0U) << message;
    EXPECT_NE(message.find("[unknown_issuer]"), std::string::npos) << message;
    EXPECT_EQ(run.exit_code, 1);
}

TEST_F(ChatCli, ClientCertificateFromAnotherCaIsRefusedByTheServer) {
    TestCa other(tmp / "other-ca");
    auto args = argv({});
    for (auto& a : args) {  // our certificate and key from the other CA; trust stays right
        if (a == (ca.dir / "client.crt").string() || a == (ca.dir / "client.key").string()) {
            a = (other.dir / fs::path(a).filename()).string();
        }
    }
    auto result = run_command_with_input(args, register_line());
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find(R"("code":"bad_certificate")"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("the server refused our certificate: "), std::string::npos)
        << result.output;
}

TEST_F(ChatCli, ThrottledLoginSaysHowLongToWait) {
    register_client();
    std::string input;
    for (int i = 0; i < 6; ++i) {
        input += "/login client not-the-password\n";
    }
    auto run = chat(input);
    EXPECT_EQ(run.exit_code, 1);
    bool throttled = false;
    for (const auto& e : run.all("error")) {
        if (e["code"] == "throttled") {
            throttled = true;
            EXPECT_TRUE(
                std::regex_match(e["message"].get<std::string>(),
                                 std::regex("too many failed logins; try again in [0-9]+ s")))
                << e.dump();
        } else {
            EXPECT_EQ(e["code"], "auth_failed") << e.dump();
        }
    }
    EXPECT_TRUE(throttled) << run.output;
}

TEST_F(ChatCli, ServerClosingTheSessionIsReported) {
    auto started = std::chrono::steady_clock::now();
    auto pending = std::async(std::launch::async,
                              [&] { return chat(register_line() + "/sleep 30\nnever sent\n"); });
    // The client keeps its transcript from the moment chat is ready: then stop the server.
    auto ready = [&] {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(data_dir() / "transcripts", ec)) {
            if (entry.path().extension() == ".transcript") {
                return true;
            }
        }
        return false;
    };
    while (!ready() && std::chrono::steady_clock::now() - started < 10s) {
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(ready());
    server->stop();
    auto run = pending.get();
    // A graceful stop still exchanges receipts; the client says the server ended it.
    EXPECT_EQ(run.names(), "connected registered receipt_saved error closed error");
    EXPECT_EQ(run.first("error")["code"], "server_closed");
    EXPECT_EQ(run.first("error")["message"], "the server closed the session");
    EXPECT_EQ(run.all("error")[1]["code"], "not_logged_in");
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 15s) << "the /sleep ended early";
}

TEST_F(ChatCli, MalformedCommandIsAnErrorAndTheRestStillRuns) {
    auto run = chat(register_line() + "/login onlyuser\n/frobnicate\nstill sent\n");
    auto errors = run.all("error");
    ASSERT_EQ(errors.size(), 2U) << run.output;
    EXPECT_EQ(errors[0]["code"], "bad_command");
    EXPECT_EQ(errors[0]["message"], "usage: /login USERNAME PASSWORD");
    EXPECT_EQ(errors[1]["code"], "bad_command");
    EXPECT_EQ(run.all("ack").size(), 1U);
    EXPECT_EQ(run.all("receipt_saved").size(), 1U);
    EXPECT_EQ(run.exit_code, 1);
}

TEST_F(ChatCli, MessageBeforeLoginIsRefused) {
    auto run = chat("too early\n");
    expect_single_error(run, "not_logged_in", "not logged in: register or log in first");
    EXPECT_EQ(run.names(), "connected error closed");
}

TEST_F(ChatCli, OverlongOrBinaryMessageIsRefusedAndTheSessionGoesOn) {
    auto run = chat(register_line() + std::string(20000, 'x') + "\nnot UTF-8: \xff\xfe\nshort\n");
    auto errors = run.all("error");
    ASSERT_EQ(errors.size(), 2U) << run.output;
    EXPECT_EQ(errors[0]["code"], "bad_text");
    EXPECT_EQ(errors[0]["message"], "the message is longer than 16384 bytes; nothing was sent");
    EXPECT_EQ(errors[1]["code"], "bad_text");
    EXPECT_EQ(errors[1]["message"], "the message is not UTF-8 text; nothing was sent");
    EXPECT_EQ(run.all("ack").size(), 1U);
    EXPECT_EQ(run.all("receipt_saved").size(), 1U);
    EXPECT_EQ(run.exit_code, 1);
}

TEST_F(ChatCli, NothingAfterQuitRuns) {
    auto run = chat(register_line() + "/quit\nafter the end\n");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(run.names(), "connected registered receipt_saved closed");
}

TEST_F(ChatCli, SleepKeepsTheSessionOpen) {
    auto started = std::chrono::steady_clock::now();
    auto run = chat(register_line() + "/sleep 0.3\nafter a nap\n");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(run.names(), "connected registered sent ack receipt_saved closed");
    EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
}

TEST_F(ChatCli, PlainModeSpeaksToPeople) {
    auto args = argv({});
    args.erase(std::find(args.begin(), args.end(), "--json"));
    args.push_back("--plain");
    auto result = run_command_with_input(args, register_line() + "hi there\n");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    for (const char* expected :
         {"connected to 127.0.0.1:", "registered and logged in as client", ": hi there",
          "#1 delivered", "receipts exchanged", "check the server's receipt", " verify "}) {
        EXPECT_NE(result.output.find(expected), std::string::npos) << expected << "\n"
                                                                   << result.output;
    }
    // The printed command works as printed.
    auto at = result.output.rfind("\n  ");
    auto command = result.output.substr(at + 3, result.output.find('\n', at + 3) - at - 3);
    auto verify = run_command({"sh", "-c", command});
    EXPECT_EQ(verify.exit_code, 0) << command << "\n" << verify.output;
}

TEST_F(ChatCli, ExitCodes) {
    // Bad arguments: 2, as every subcommand.
    auto usage = run_command({securechat_binary(), "chat", "--ca", "x"});
    EXPECT_EQ(usage.exit_code, 2) << usage.output;
    auto bad_address = run_command({securechat_binary(), "chat", "--server", "no-port", "--ca", "x",
                                    "--cert", "y", "--key", "z"});
    EXPECT_EQ(bad_address.exit_code, 2) << bad_address.output;
    // Files that do not load: 1, and in JSON mode an error event on stdout.
    auto o = Options{};
    auto args = argv(o);
    std::replace(args.begin(), args.end(), (ca.dir / "client.key").string(),
                 (tmp / "missing.key").string());
    auto result = run_command_with_input(args, "");
    EXPECT_EQ(result.exit_code, 1) << result.output;
    auto error = json::parse(result.output.substr(0, result.output.find('\n')));
    EXPECT_EQ(error["code"], "bad_settings");
    // A key that is not the certificate's.
    std::replace(args.begin(), args.end(), (tmp / "missing.key").string(),
                 (ca.dir / "bob.key").string());
    result = run_command_with_input(args, "");
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("does not belong to the certificate"), std::string::npos);
    // Empty input: connect, nothing asked, quit: success.
    auto idle = chat("");
    EXPECT_EQ(idle.exit_code, 0) << idle.output;
    EXPECT_EQ(idle.names(), "connected closed");
}

}  // namespace
}  // namespace sc::test

namespace sc::test {
namespace {

// The server asks for a fresh key exchange after a few records; the client runs it, keeps
// chatting under the new key, and says so with a `rekeyed` event.
TEST_F(ChatCli, ServerRequestedRekeyIsReportedAndTheChatGoesOn) {
    auto settings = test_settings(ca, tmp / "rekey-server-data");
    settings.security.rekey_after_records = 3;
    RunningServer rekeying(std::move(settings));
    Options o;
    o.port = rekeying.port();
    auto run = chat(register_line() + "one\ntwo\nthree\nfour\nfive\n", o);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_GE(run.all("rekeyed").size(), 1U) << run.output;
    EXPECT_GE(run.first("rekeyed")["epoch"].get<int>(), 2) << run.output;
    EXPECT_EQ(run.all("ack").size(), 5U) << run.output;
    EXPECT_EQ(run.all("receipt_saved").size(), 1U) << run.output;
}

}  // namespace
}  // namespace sc::test

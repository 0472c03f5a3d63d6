// The client controller driven directly, as the full-screen interface will drive it: commands
// issued without waiting for each other, completions in order, and abort.
#include <gtest/gtest.h>

#include "client/chat_controller.h"
#include "client/errors_text.h"
#include "server_fixture.h"

namespace sc::test {
namespace {

using namespace std::chrono_literals;
using client::ChatController;
using client::Notification;
using client::Outcome;

struct Recorder : client::ChatListener {
    void notify(const Notification& n) override { names.push_back(client::notification_name(n)); }
    std::string joined() const {
        std::string out;
        for (const auto& n : names) {
            out += (out.empty() ? "" : " ") + n;
        }
        return out;
    }
    std::vector<std::string> names;
};

class ChatControllerTest : public ::testing::Test {
  protected:
    ChatControllerTest() : ca(tmp / "ca"), server(test_settings(ca, tmp / "server-data")) {
        client::ClientSettings s;
        s.server = {"127.0.0.1", server.port()};
        s.server_name = "server";
        s.ca = ca.dir / "ca.crt";
        s.cert = ca.dir / "client.crt";
        s.key = ca.dir / "client.key";
        s.data_dir = tmp / "client-data";
        s.timeout = 5s;
        auto credentials = client::load_credentials(s);
        EXPECT_TRUE(credentials) << credentials.error().message;
        controller = std::make_unique<ChatController>(io, s, *credentials, recorder);
    }
    ~ChatControllerTest() override { controller.reset(); }

    // Runs the io_context until `finished` or a generous limit.
    void run_until(const bool& finished) {
        asio::steady_timer limit(io, 20s);
        limit.async_wait([this](const asio::error_code& ec) {
            if (!ec) {
                ADD_FAILURE() << "timed out; notifications: " << recorder.joined();
                io.stop();
            }
        });
        while (!finished && !io.stopped()) {
            io.run_one();
        }
    }

    TempDir tmp;
    TestCa ca;
    RunningServer server;
    asio::io_context io;
    Recorder recorder;
    std::unique_ptr<ChatController> controller;
};

crypto::SecretBytes password() {
    return crypto::SecretBytes(as_bytes("correct-horse-battery"));
}

TEST_F(ChatControllerTest, MessagesInFlightTogetherAreEachAcknowledged) {
    bool finished = false;
    std::vector<std::string> order;
    controller->register_user("client@example.com", "client", password(), [&](const Outcome& r) {
        ASSERT_TRUE(r);
        order.push_back("registered");
        EXPECT_EQ(controller->state(), ChatController::State::chatting);
        for (int i = 1; i <= 5; ++i) {
            controller->send("message " + std::to_string(i), [&, i](const Outcome& sent) {
                EXPECT_TRUE(sent);
                order.push_back("acked " + std::to_string(i));
            });
        }
        controller->quit([&](const Outcome& quit) {
            EXPECT_TRUE(quit);
            order.push_back("quit");
            finished = true;
        });
    });
    run_until(finished);
    EXPECT_EQ(order, (std::vector<std::string>{"registered", "acked 1", "acked 2", "acked 3",
                                               "acked 4", "acked 5", "quit"}));
    EXPECT_EQ(recorder.joined(),
              "connected registered sent sent sent sent sent ack ack ack ack ack receipt_saved "
              "closed");
    EXPECT_EQ(controller->state(), ChatController::State::disconnected);
}

TEST_F(ChatControllerTest, CommandsThatCannotRunNowFailAtOnce) {
    bool finished = false;
    std::vector<std::string> codes;
    controller->send("nobody listens", [&](const Outcome& r) {
        ASSERT_FALSE(r);
        codes.push_back(r.error().code);
        controller->quit([&](const Outcome& quit) {
            EXPECT_TRUE(quit) << "nothing to end is a successful quit";
            finished = true;
        });
    });
    run_until(finished);
    EXPECT_EQ(codes, std::vector<std::string>{client::code::not_logged_in});
    EXPECT_EQ(recorder.joined(), "error");
}

TEST_F(ChatControllerTest, AbortEndsTheConnectionWithoutAnError) {
    bool finished = false;
    controller->connect([&](const Outcome& r) {
        ASSERT_TRUE(r);
        controller->login("client", password(), [&](const Outcome& login) {
            EXPECT_FALSE(login);
            EXPECT_EQ(login.error().code, client::code::cancelled);
            finished = true;
        });
        controller->abort();
    });
    run_until(finished);
    EXPECT_EQ(recorder.joined(), "connected closed");
}

}  // namespace
}  // namespace sc::test

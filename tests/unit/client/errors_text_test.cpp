#include "client/errors_text.h"

#include <gtest/gtest.h>

#include <asio/error.hpp>

namespace sc::client {
namespace {

const ServerAddress kServer{"127.0.0.1", 6000};

TEST(ErrorsText, ConnectionProblemsNameTheServer) {
    auto refused = connect_error(kServer, asio::error::connection_refused);
    EXPECT_EQ(refused.code, code::connection_refused);
    EXPECT_EQ(refused.message, "cannot connect to 127.0.0.1:6000: connection refused");
    auto unreachable = connect_error(kServer, asio::error::network_unreachable);
    EXPECT_EQ(unreachable.code, code::connect_failed);
    EXPECT_EQ(unreachable.message.rfind("cannot connect to 127.0.0.1:6000: ", 0), 0U);
    EXPECT_EQ(connect_timeout(kServer, std::chrono::seconds(10)).message,
              "cannot connect to 127.0.0.1:6000: no answer within 10 s");
}

TEST(ErrorsText, WhatTheServerSaid) {
    EXPECT_EQ(peer_error("auth_failed", "wrong username or password").message,
              "wrong username or password");
    // Even if a server were to say more, an unknown user and a wrong password read the same.
    EXPECT_EQ(peer_error("auth_failed", "no such user").message, "wrong username or password");
    auto throttled = peer_error("throttled", "too many failed logins; try again in 4 s");
    EXPECT_EQ(throttled.code, "throttled");
    EXPECT_EQ(throttled.message, "too many failed logins; try again in 4 s");
    EXPECT_EQ(peer_error("registration_failed", "username is already taken").message,
              "registration refused: username is already taken");
    EXPECT_EQ(peer_error("bad_certificate", "certificate has expired [expired]: x").message,
              "the server refused our certificate: certificate has expired [expired]: x");
    auto odd = peer_error("something_new", "details");
    EXPECT_EQ(odd.code, "something_new");
    EXPECT_NE(odd.message.find("something_new"), std::string::npos);
}

TEST(ErrorsText, WhatWeRefusedKeepsThePkiReason) {
    auto e = protocol_failure(proto::ProtocolError{proto::ErrorCode::bad_certificate,
                                                   "certificate has expired [expired]: until x"});
    EXPECT_EQ(e.code, "bad_certificate");
    EXPECT_EQ(e.message,
              "the server's certificate is not valid: certificate has expired [expired]: until x");
}

TEST(ErrorsText, Timeouts) {
    EXPECT_EQ(answer_timeout("answer the login", std::chrono::milliseconds(1500)).message,
              "the server did not answer the login within 1.5 s");
    EXPECT_EQ(seconds_text(std::chrono::milliseconds(10'000)), "10 s");
    EXPECT_EQ(seconds_text(std::chrono::milliseconds(250)), "0.25 s");
    EXPECT_EQ(server_closed().message, "the server closed the session");
}

}  // namespace
}  // namespace sc::client

// A server whose part a test plays: a real ServerSession on a loopback socket in a thread,
// every login accepted (with the role the test chooses), and each request (§2.3) handed to the
// test's script, which answers, pushes or ends the session with the messages it chooses —
// also ones a real server would never send. For the client's tests of friends, who and admin.
#pragma once

#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "net/blocking_socket.h"
#include "proto/server_session.h"
#include "server_fixture.h"

namespace sc::test {

// What the script does for one request: the session's output of its answer(), push()es and
// end_session(), in the order they are to be sent. Runs on the server thread.
using Script = std::function<proto::Output(proto::ServerSession&, const proto::msg::Request&)>;

// What the server does with input that arrives while the script left a request unanswered:
// wait (the session holds it, as a real server's does), or hang up at once, so that whatever the
// client sent meanwhile (a message, say) fails with the connection.
enum class HeldInput { wait, hang_up };

struct ScriptedBehaviour {
    HeldInput held_input = HeldInput::wait;
    // False: no message is ever acknowledged (its store never ends), so each stays in flight.
    bool acknowledge_messages = true;
    // True: the server itself answers every `prekeys` (the client's status query at chat-ready
    // and what it then publishes) with a prekey_status of what it holds, without the script and
    // the log, so tests of other requests see only their own. False: the script answers them.
    bool answer_prekeys = true;
    // With HeldInput::hang_up: how many records may arrive while a request is unanswered before
    // the server hangs up (the client's own prekeys query at chat-ready is one such record).
    std::size_t held_records_allowed = 0;
};

struct ServerLog {
    std::vector<std::string> requests;  // "friend request bob", "list_friends", ...
    std::string user_add_password;      // what a user_add carried
    std::string error;                  // a socket problem in the server thread
    bool hung_up = false;               // HeldInput::hang_up happened
};

class ScriptedServer {
  public:
    // Serves one connection with the CA's "server" certificate.
    ScriptedServer(const TestCa& ca, Script script, proto::Role role = proto::Role::user,
                   ScriptedBehaviour behaviour = {});
    ~ScriptedServer();
    ScriptedServer(const ScriptedServer&) = delete;
    ScriptedServer& operator=(const ScriptedServer&) = delete;

    unsigned short port() const { return listener_.port(); }
    // Waits for the connection to end (every wait in the thread is bounded).
    ServerLog log();

  private:
    net::BlockingListener listener_;
    std::future<ServerLog> log_;
};

// The answer `result` without a code to `request`.
proto::Output answer_ok(proto::ServerSession& session, const proto::msg::Request& request,
                        std::string message = "");

}  // namespace sc::test

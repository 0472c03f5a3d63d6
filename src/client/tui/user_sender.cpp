#include "client/tui/user_sender.h"

namespace sc::client::tui {

// Until the controller sends to users, every such send fails, said in words.
void send_to_user(asio::io_context& io, ChatController&, std::string, std::string,
                  ChatController::Completion done) {
    asio::post(io, [done = std::move(done)] {
        done(Outcome(fail(note::Error{"unsupported",
                                      "this client cannot send to users yet (the controller "
                                      "has no send_to_user)"})));
    });
}

}  // namespace sc::client::tui

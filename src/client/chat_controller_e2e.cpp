// The controller's end-to-end commands and what it does for E2eMessaging (its Host): requests
// through the connection's protocol session, notifications, completions.
#include "client/chat_connection.h"
#include "client/errors_text.h"
#include "common/files.h"
#include "common/usernames.h"

namespace sc::client {

std::optional<std::uint64_t> ChatController::send_request(proto::msg::Request request) {
    if (!conn_ || state_ != State::chatting) {
        return std::nullopt;
    }
    auto c = conn_;
    last_request_id_.reset();
    // The session reports the id it chose (RequestSent) while submit() runs.
    auto refused = submit(c, c->session.request(std::move(request)));
    if (refused || !last_request_id_) {
        return std::nullopt;
    }
    return last_request_id_;
}

std::size_t ChatController::others_in_flight() const {
    return requests_.size() + (unnumbered_request_ ? 1 : 0);
}

HistoryStore* ChatController::open_history(note::Error& why) {
    if (history_) {
        return history_.get();
    }
    if (credentials_.identity.chain.empty()) {
        why = {"e2e_unavailable", "no certificate of this device, so no history"};
        return nullptr;
    }
    auto dir = E2eMessaging::device_dir(settings_, credentials_);
    for (const auto& d : {settings_.data_dir / "e2e", dir}) {
        if (auto made = ensure_private_dir(d); !made) {
            why = {code::evidence, "cannot open the history: " + made.error().message};
            return nullptr;
        }
    }
    auto opened = HistoryStore::open(dir / "history.db");
    if (!opened) {
        why = {code::evidence, "cannot open the history: " + opened.error().message};
        return nullptr;
    }
    history_ = std::move(opened).value();
    return history_.get();
}

void ChatController::start_e2e() {
    note::Error why;
    auto* history = open_history(why);
    if (!history || !conn_ || !conn_->peer) {
        e2e_problem_ =
            why.code.empty()
                ? note::Error{"e2e_unavailable", "end-to-end messages are not available"}
                : note::Error{why.code, "end-to-end messages are not available: " + why.message};
        return;
    }
    auto opened = E2eMessaging::open(settings_, credentials_, username_, conn_->peer_certs,
                                     *history, clock_, entropy_, *this);
    if (!opened) {
        // Told when a command needs it: a session without end-to-end messages still chats.
        e2e_problem_ = opened.error();
        return;
    }
    e2e_ = std::move(opened).value();
    e2e_->start();
}

E2eMessaging* ChatController::e2e_for(Completion& done) {
    if (state_ != State::chatting || !conn_) {
        refuse(std::move(done),
               state_ == State::closing
                   ? note::Error{code::busy, "the session is closing"}
                   : note::Error{code::not_logged_in, "not logged in: register or log in first"});
        return nullptr;
    }
    if (!e2e_) {
        refuse(std::move(done), e2e_problem_.value_or(note::Error{
                                    "e2e_unavailable", "end-to-end messages are not available"}));
        return nullptr;
    }
    return e2e_.get();
}

void ChatController::send_to(std::string user, std::string text, Completion done) {
    if (auto* e2e = e2e_for(done)) {
        e2e->send_message(std::move(user), std::move(text), std::move(done));
    }
}

void ChatController::list_devices(std::string user, Completion done) {
    if (auto* e2e = e2e_for(done)) {
        e2e->show_devices(std::move(user), std::move(done));
    }
}

void ChatController::after_input() {
    if (e2e_) {
        e2e_->flush_received();
    }
}

void ChatController::on_tick() {
    if (e2e_) {
        e2e_->check_expiries();
    }
}

void ChatController::trust_device(std::string user, std::string device, Completion done) {
    if (auto* e2e = e2e_for(done)) {
        e2e->trust(std::move(user), std::move(device), std::move(done));
    }
}

}  // namespace sc::client

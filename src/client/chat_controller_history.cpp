// The controller's history commands (history_store.h): /history USER [N] and
// /disclose USER MID FILE. Both read this device's history, logged in or not.
#include "client/chat_controller.h"
#include "client/errors_text.h"
#include "common/display_text.h"
#include "common/files.h"
#include "common/usernames.h"
#include "evidence/conversation_transcript.h"

namespace sc::client {

namespace {

note::HistoryEntry entry_of(const HistoryMessage& m) {
    note::HistoryEntry e;
    e.outgoing = m.outgoing;
    e.from = m.from;
    e.device = m.device;
    e.fingerprint = m.fingerprint;
    e.seqno = m.seq;
    e.mid = m.mid;
    e.ts = m.ts;
    e.text = m.text;
    e.mark = message_mark(m);
    for (const auto& c : m.copies) {
        e.copies.push_back(note::HistoryCopy{c.to, c.device, c.fingerprint,
                                             copy_state_name(c.state), c.expires, c.delivered_ts});
    }
    return e;
}

}  // namespace

void ChatController::history(std::string user, std::size_t count, Completion done) {
    if (!is_valid_username(user)) {
        refuse(std::move(done),
               {code::bad_command, "not a username: '" + display_text(user) + "'"});
        return;
    }
    note::Error why;
    auto* store = open_history(why);
    if (!store) {
        refuse(std::move(done), why);
        return;
    }
    const auto peer = canonical_username(user);
    auto messages = store->recent(peer, std::min(count, kMaxHistoryShown));
    if (!messages) {
        refuse(std::move(done), {code::evidence, messages.error().message});
        return;
    }
    note::History shown{peer, {}};
    for (const auto& m : messages.value()) {
        shown.messages.push_back(entry_of(m));
    }
    notify(shown);
    complete(std::move(done), {});
}

void ChatController::disclose(std::string user, std::string mid, std::filesystem::path file,
                              Completion done) {
    if (!is_valid_username(user)) {
        refuse(std::move(done),
               {code::bad_command, "not a username: '" + display_text(user) + "'"});
        return;
    }
    note::Error why;
    auto* store = open_history(why);
    if (!store) {
        refuse(std::move(done), why);
        return;
    }
    const auto peer = canonical_username(user);
    auto found = store->find(peer, mid);
    if (!found) {
        refuse(std::move(done), {code::evidence, found.error().message});
        return;
    }
    if (!found.value() || found.value()->salt.empty()) {
        refuse(std::move(done),
               {code::bad_command,
                "no message " + display_text(mid) + " in the history with " + display_text(peer)});
        return;
    }
    const auto& m = *found.value();
    auto text = evidence::conversation::disclosure(m.mid, m.salt, m.text) + "\n";
    auto written = [&]() -> Status {
        SC_TRY_ASSIGN(auto out, AtomicFile::create(file, FileMode::private_0600));
        SC_TRY(out.write(as_bytes(text)));
        return out.commit(Replace::no);
    }();
    if (!written) {
        refuse(std::move(done),
               {code::evidence, "cannot write the disclosure to " + display_text(file.string()) +
                                    ": " + written.error().message});
        return;
    }
    notify(note::Done{"disclose", "", peer,
                      "wrote the text of message " + m.mid + " with its salt to " +
                          display_text(file.string()) +
                          ": it discloses that message only, checked against the transcript "
                          "with securechat verify"});
    complete(std::move(done), {});
}

}  // namespace sc::client

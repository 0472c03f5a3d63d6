#include "attack/session_attacks.h"
#include "attack/kind_names.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <thread>

#include "common/base64.h"
#include "common/display_text.h"
#include "common/ids.h"
#include "net/blocking_client.h"
#include "proto/limits.h"
#include "proto/wire/framer.h"

namespace sc::attack {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using Client = net::BlockingClient;

constexpr auto kAnswerWait = 10s;

constexpr KindNames<TamperKind, 7> kTamperNames{{{
    {TamperKind::ciphertext, "ciphertext"},
    {TamperKind::seq_ahead, "seq-ahead"},
    {TamperKind::seq_back, "seq-back"},
    {TamperKind::signature, "signature"},
    {TamperKind::timestamp, "timestamp"},
    {TamperKind::msg_seqno, "msg-seqno"},
    {TamperKind::stale, "stale"},
}}};

constexpr KindNames<ImpersonateKind, 3> kImpersonateNames{{{
    {ImpersonateKind::as_victim, "as-victim"},
    {ImpersonateKind::not_friend, "not-friend"},
    {ImpersonateKind::admin, "admin"},
}}};

bool tampers_the_record(TamperKind kind) {
    return kind == TamperKind::ciphertext || kind == TamperKind::seq_ahead ||
           kind == TamperKind::seq_back;
}

std::uint64_t now_ms() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// The msg inside a genuine record, changed before it is sealed: what a client holding the keys
// could send. The record layer is intact, so only the msg layer's checks can refuse it.
proto::Output tampered_msg(TamperKind kind, Client& client, std::string& what) {
    const std::uint64_t hour_ago = now_ms() - 3'600'000;
    const std::uint64_t ts = kind == TamperKind::stale ? hour_ago : now_ms();
    return client.session().send_crafted_text("tamper probe 2", ts, [&](proto::msg::Chat& chat) {
        const auto n = std::to_string(chat.seqno);
        switch (kind) {
            case TamperKind::signature:
                chat.sig[chat.sig.size() / 2] ^= 0x01;
                what = "msg " + n + " with one bit of its signature flipped";
                break;
            case TamperKind::timestamp:
                chat.ts ^= 0x01;
                what = "msg " + n + " with the lowest bit of its timestamp flipped";
                break;
            case TamperKind::msg_seqno:
                chat.seqno ^= 0x04;  // 2 becomes 6: ahead of the next one
                what = "msg " + n + " labelled msg " + std::to_string(chat.seqno);
                break;
            default:
                what = "msg " + n + ", signed properly, timestamped an hour ago";
                break;
        }
    });
}

Result<std::unique_ptr<Client>> logged_in(const Target& target, const proto::ClientConfig& config,
                                          const Account& account, std::ostream& out) {
    auto client = Client::connect(target.port, config, target.host);
    if (!client) {
        return fail("cannot connect to " + target.text() + ": " + client.error().message);
    }
    if (!(*client)->login(account.username, account.password)) {
        auto why = (*client)->peer_error();
        return fail("cannot log in as " + display_text(account.username) + ": " +
                    (why.empty() ? (*client)->failure() : why));
    }
    out << "  logged in as " << display_text(account.username) << "\n";
    return std::move(client).value();
}

// Sends one chat message as the session seals it and waits for the server's ack; the record
// frame it was sent in.
Result<Bytes> one_acknowledged_record(Client& client, const std::string& text, std::ostream& out) {
    auto sealed = client.session().send_text(text);
    if (sealed.send.empty()) {
        return fail("the session sealed no record for the message");
    }
    Bytes record = sealed.send.back();
    const auto acks_before = std::count_if(client.events.begin(), client.events.end(), [](auto& e) {
        return std::holds_alternative<proto::event::Acknowledged>(e);
    });
    client.submit(std::move(sealed));
    bool acked = client.wait_for(
        [&](const Client::Events& events) {
            return std::count_if(events.begin(), events.end(), [](auto& e) {
                       return std::holds_alternative<proto::event::Acknowledged>(e);
                   }) > acks_before;
        },
        kAnswerWait);
    if (!acked) {
        return fail("the server did not acknowledge the genuine message: " + client.peer_error());
    }
    out << "  sent a genuine message in a record of " << record.size()
        << " bytes; the server acknowledged it\n";
    return record;
}

// After the attack's bytes: the server's error and whether it closed.
Verdict watch(Client& client, std::ostream& out) {
    const auto start = std::chrono::steady_clock::now();
    client.wait_closed(kAnswerWait);
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::string code;
    for (const auto& e : client.events) {
        if (auto* p = std::get_if<proto::event::PeerError>(&e)) {
            code = display_text(p->code);
            out << "  server: error " << code << " (\"" << display_text(p->message) << "\")";
            break;
        }
    }
    if (code.empty()) {
        out << "  server: no error frame";
    }
    out << (client.peer_closed ? ", then closed after " + std::to_string(elapsed.count()) + " ms"
                               : ", and the session is still open")
        << "\n";
    return {client.peer_closed && !code.empty(), code.empty() ? "no error" : code};
}

// The record frame with its JSON changed by `change` (re-framed; the rest as it was).
Bytes reframed(const Bytes& frame, const std::function<void(json&)>& change) {
    auto j = json::parse(std::string(frame.begin() + 4, frame.end()));
    change(j);
    return proto::make_frame(j.dump()).wire();
}

std::optional<std::uint64_t> delay_named(const std::string& message) {
    auto at = message.find("try again in ");
    if (at == std::string::npos) {
        return std::nullopt;
    }
    std::uint64_t seconds = 0;
    const char* begin = message.data() + at + 13;
    auto [end, ec] = std::from_chars(begin, message.data() + message.size(), seconds);
    return ec == std::errc() && end != begin ? std::optional(seconds) : std::nullopt;
}

}  // namespace

std::string_view tamper_kind_name(TamperKind kind) {
    return kTamperNames.name(kind);
}

std::optional<TamperKind> tamper_kind_from(std::string_view name) {
    return kTamperNames.from(name);
}

std::vector<TamperKind> all_tamper_kinds() {
    return kTamperNames.all();
}

Result<Verdict> run_replay(const Target& target, const proto::ClientConfig& config,
                           const Account& account, std::ostream& out) {
    SC_TRY_ASSIGN(auto client, logged_in(target, config, account, out));
    SC_TRY_ASSIGN(auto record, one_acknowledged_record(*client, "replay probe", out));
    client->send_raw(std::string(record.begin(), record.end()));
    out << "  sent: the same record again, byte for byte\n";
    return watch(*client, out);
}

Result<Verdict> run_tamper(TamperKind kind, const Target& target, const proto::ClientConfig& config,
                           const Account& account, std::ostream& out) {
    SC_TRY_ASSIGN(auto client, logged_in(target, config, account, out));
    SC_TRY(one_acknowledged_record(*client, "tamper probe 1", out));
    std::string what;
    if (!tampers_the_record(kind)) {
        auto crafted = tampered_msg(kind, *client, what);
        if (crafted.send.empty()) {
            return fail("the session sealed no record for the message");
        }
        const auto& record = crafted.send.back();
        client->send_raw(std::string(record.begin(), record.end()));
        out << "  sent: " << what << ", in a genuine record\n";
        return watch(*client, out);
    }
    // The next record, changed before it leaves: the session believes it was sent as sealed.
    auto sealed = client->session().send_text("tamper probe 2");
    if (sealed.send.empty()) {
        return fail("the session sealed no record for the message");
    }
    Bytes changed = reframed(sealed.send.back(), [&](json& j) {
        const auto seq = j["seq"].get<std::uint64_t>();
        if (kind == TamperKind::ciphertext) {
            auto ct = base64_decode(j["ct"].get<std::string>()).value_or(Bytes{0});
            ct[ct.size() / 2] ^= 0x01;
            j["ct"] = base64_encode(ct);
            what = "record " + std::to_string(seq) + " with one bit of its ciphertext flipped";
        } else if (kind == TamperKind::seq_ahead) {
            j["seq"] = seq + 1;
            what = "record " + std::to_string(seq) + " labelled seq " + std::to_string(seq + 1);
        } else {
            j["seq"] = seq - 1;
            what = "record " + std::to_string(seq) + " labelled seq " + std::to_string(seq - 1) +
                   " (the one already accepted)";
        }
    });
    client->send_raw(std::string(changed.begin(), changed.end()));
    out << "  sent: " << what << "\n";
    return watch(*client, out);
}

Result<Verdict> run_reorder(const Target& target, const proto::ClientConfig& config,
                            const Account& account, std::ostream& out) {
    SC_TRY_ASSIGN(auto client, logged_in(target, config, account, out));
    SC_TRY(one_acknowledged_record(*client, "reorder probe 1", out));
    auto first = client->session().send_text("reorder probe 2");
    auto second = client->session().send_text("reorder probe 3");
    if (first.send.empty() || second.send.empty()) {
        return fail("the session sealed no records for the two messages");
    }
    const auto& later = second.send.back();
    client->send_raw(std::string(later.begin(), later.end()));
    const auto& earlier = first.send.back();
    client->send_raw(std::string(earlier.begin(), earlier.end()));
    out << "  sent: two records in the wrong order (the later one first)\n";
    return watch(*client, out);
}

Result<Verdict> run_reflect(const Target& target, const proto::ClientConfig& config,
                            const Account& account, std::ostream& out) {
    SC_TRY_ASSIGN(auto client, logged_in(target, config, account, out));
    client->keep_received = true;
    SC_TRY(one_acknowledged_record(*client, "reflect probe", out));
    // The last record the server sent (its ack), and the seq the server expects from us next.
    proto::FrameReader reader;
    reader.feed(client->received);
    std::optional<Bytes> theirs;
    while (true) {
        auto next = reader.next();
        auto* frame = std::get_if<proto::Frame>(&next);
        if (frame == nullptr) {
            break;
        }
        auto j = json::parse(frame->payload_text(), nullptr, false);
        if (j.is_object() && j.value("type", "") == "record") {
            theirs = frame->wire();
        }
    }
    if (!theirs) {
        return fail("the server sent no record to reflect");
    }
    auto ours = client->session().send_text("the record the server expects next");
    if (ours.send.empty()) {
        return fail("the session sealed no record");
    }
    const auto expected_seq =
        json::parse(std::string(ours.send.back().begin() + 4, ours.send.back().end()))["seq"];
    std::uint64_t their_seq = 0;
    Bytes reflected = reframed(*theirs, [&](json& j) {
        their_seq = j["seq"].get<std::uint64_t>();
        j["seq"] = expected_seq;
    });
    client->send_raw(std::string(reflected.begin(), reflected.end()));
    out << "  sent: the server's own record " << their_seq << " back to it, as our record "
        << expected_seq.get<std::uint64_t>() << "\n";
    return watch(*client, out);
}

namespace {

// Logs in to the victim's account with the attacker's certificate: the password is right, the
// certificate names someone else.
Result<Verdict> login_as_victim(const Target& target, const proto::ClientConfig& config,
                                const Account& victim, std::ostream& out) {
    auto client = Client::connect(target.port, config, target.host);
    if (!client) {
        return fail("cannot connect to " + target.text() + ": " + client.error().message);
    }
    out << "  sent: a login to " << display_text(victim.username)
        << "'s account with its password, under the attacker's certificate\n";
    if ((*client)->login(victim.username, victim.password)) {
        out << "  server: logged in as " << display_text(victim.username) << "\n";
        return Verdict{false, "logged in"};
    }
    return watch(**client, out);
}

// One request after login, and the code of the server's answer.
Result<Verdict> refused_request(Client& client, proto::msg::Request request, std::ostream& out) {
    client.submit(client.session().request(std::move(request)));
    std::optional<proto::msg::Answer> answer;
    client.wait_for(
        [&](const Client::Events& events) {
            for (const auto& e : events) {
                if (auto* a = std::get_if<proto::event::Answered>(&e)) {
                    answer = a->answer;
                    return true;
                }
            }
            return false;
        },
        kAnswerWait);
    if (!answer) {
        return fail("the server did not answer the request: " + client.peer_error());
    }
    if (auto* r = std::get_if<proto::msg::Result>(&*answer); r && r->code) {
        std::string code(proto::error_code_name(*r->code));
        out << "  server: result " << code << " (\"" << display_text(r->message) << "\")\n";
        return Verdict{true, code};
    }
    out << "  server: it did what was asked\n";
    return Verdict{false, "done"};
}

}  // namespace

std::string_view impersonate_kind_name(ImpersonateKind kind) {
    return kImpersonateNames.name(kind);
}

std::optional<ImpersonateKind> impersonate_kind_from(std::string_view name) {
    return kImpersonateNames.from(name);
}

std::vector<ImpersonateKind> all_impersonate_kinds() {
    return kImpersonateNames.all();
}

Result<Verdict> run_impersonate(ImpersonateKind kind, const Target& target,
                                const proto::ClientConfig& config, const Account& account,
                                const Account& victim, std::ostream& out) {
    if (kind == ImpersonateKind::as_victim) {
        return login_as_victim(target, config, victim, out);
    }
    SC_TRY_ASSIGN(auto client, logged_in(target, config, account, out));
    if (kind == ImpersonateKind::admin) {
        out << "  sent: an administrator's request to disable " << display_text(victim.username)
            << ", from a regular account\n";
        return refused_request(
            *client, proto::msg::UserCommand{0, proto::msg::UserOp::disable, victim.username}, out);
    }
    out << "  sent: an envelope for " << display_text(victim.username)
        << ", who is not a friend, to device aaaa…aaaa\n";
    return refused_request(*client,
                           proto::msg::Relay{0, victim.username, std::string(64, 'a'),
                                             Bytes(kMessageIdBytes, 0x42), Bytes(64, 0x17)},
                           out);
}

Result<Verdict> run_guess(const Target& target, const proto::ClientConfig& config,
                          const std::string& victim, const GuessOptions& options,
                          std::ostream& out) {
    std::vector<std::uint64_t> delays;
    std::chrono::seconds waited{0};
    for (std::size_t n = 1; n <= options.attempts; ++n) {
        auto client = Client::connect(target.port, config, target.host);
        if (!client) {
            return fail("cannot connect to " + target.text() + ": " + client.error().message);
        }
        const std::string guess = "wrong-guess-" + std::to_string(n);
        if ((*client)->login(victim, guess)) {
            out << "  guess " << n << ": logged in as " << display_text(victim) << "\n";
            return Verdict{false, "logged in"};
        }
        std::string code, message;
        for (const auto& e : (*client)->events) {
            if (auto* p = std::get_if<proto::event::PeerError>(&e)) {
                code = display_text(p->code);
                message = display_text(p->message);
            }
        }
        if (code.empty()) {
            return fail("guess " + std::to_string(n) + ": no answer (" + (*client)->failure() +
                        ")");
        }
        out << "  guess " << n << " for " << display_text(victim) << ": " << code << " (\""
            << message << "\")\n";
        if (code != "throttled") {
            continue;
        }
        auto delay = delay_named(message);
        if (!delay) {
            continue;
        }
        delays.push_back(*delay);
        if (waited + std::chrono::seconds(*delay) > options.patience || n == options.attempts) {
            break;
        }
        out << "  waiting the " << *delay << " s it named\n";
        std::this_thread::sleep_for(std::chrono::seconds(*delay));
        waited += std::chrono::seconds(*delay);
    }
    if (delays.empty()) {
        out << "  no guess was throttled\n";
        return Verdict{false, "not throttled"};
    }
    std::string list;
    for (auto d : delays) {
        list += (list.empty() ? "" : ", ") + std::to_string(d) + " s";
    }
    out << "  delays named: " << list << "\n";
    return Verdict{true, "throttled"};
}

}  // namespace sc::attack

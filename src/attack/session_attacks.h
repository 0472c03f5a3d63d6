// `securechat attack replay|tamper|guess`: attacks of a client that holds a certificate (its
// own, or one it was given) against a running server (issue 13). Each prints what it sent and
// what the server did, and returns the verdict; a setup that fails (no connection, a login
// refused for another reason) is an error, never a verdict.
//   replay   a record the server accepted, sent again on the same session
//   tamper   a record with one bit of its ciphertext flipped, or its seq moved ahead or back; or
//            inside a genuine record, a msg with one bit of its signature, its timestamp or its
//            seqno flipped, or one signed properly but timestamped an hour ago
//   reorder  two records sent in the wrong order
//   reflect  a record the server sent, sent back to it as ours (at the seq it expects next)
//   impersonate  acting as another user: logging in to their account (with their password) under
//            the attacker's certificate; an envelope relayed to a user who is not a friend; an
//            administrator's request (disabling another user) from a regular account
//   guess    wrong passwords for one account, waiting out each delay the server names, to show
//            the throttle grow
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "attack/flood.h"
#include "attack/target.h"
#include "common/result.h"
#include "proto/client_session.h"

namespace sc::attack {

struct Account {
    std::string username;
    std::string password;
};

enum class TamperKind { ciphertext, seq_ahead, seq_back, signature, timestamp, msg_seqno, stale };
std::string_view tamper_kind_name(TamperKind kind);
std::optional<TamperKind> tamper_kind_from(std::string_view name);
std::vector<TamperKind> all_tamper_kinds();

enum class ImpersonateKind { as_victim, not_friend, admin };
std::string_view impersonate_kind_name(ImpersonateKind kind);
std::optional<ImpersonateKind> impersonate_kind_from(std::string_view name);
std::vector<ImpersonateKind> all_impersonate_kinds();

struct GuessOptions {
    std::size_t attempts = 8;
    std::chrono::seconds patience{30};  // the longest total wait for the delays named
};

Result<Verdict> run_replay(const Target& target, const proto::ClientConfig& config,
                           const Account& account, std::ostream& out);
Result<Verdict> run_tamper(TamperKind kind, const Target& target, const proto::ClientConfig& config,
                           const Account& account, std::ostream& out);
Result<Verdict> run_reorder(const Target& target, const proto::ClientConfig& config,
                            const Account& account, std::ostream& out);
Result<Verdict> run_reflect(const Target& target, const proto::ClientConfig& config,
                            const Account& account, std::ostream& out);
// `victim`: another user, whom the account is not friends with; as_victim logs in to it with
// its password (as if stolen), and leaves `account` unused.
Result<Verdict> run_impersonate(ImpersonateKind kind, const Target& target,
                                const proto::ClientConfig& config, const Account& account,
                                const Account& victim, std::ostream& out);
// `victim`: the account whose password is guessed (it need not exist).
Result<Verdict> run_guess(const Target& target, const proto::ClientConfig& config,
                          const std::string& victim, const GuessOptions& options,
                          std::ostream& out);

}  // namespace sc::attack

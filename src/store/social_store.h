// Devices and friends (issue 10), beside the accounts, and `Store`: the one object per backend
// that serves them and the prekeys (prekey_store.h). Written once against store/sql
// (social_store_sql.cpp), thread-safe like AccountStore. Usernames compare as the accounts table
// compares them: case-insensitively (SQLite COLLATE NOCASE, MariaDB the users.username collation),
// so "Bob" is the account "bob".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "store/account_store.h"
#include "store/envelope_store.h"
#include "store/prekey_store.h"

namespace sc::store {

// One certificate an account has logged in with. With identity binding on, a certificate names
// one user, so a fingerprint belongs to one account; with binding off (the seeds' shared
// client.crt) the same certificate is a device of every account that uses it, so a device is
// unique per (account, fingerprint).
struct DeviceRecord {
    std::int64_t account_id = 0;
    std::string fingerprint;  // hex SHA-256 of the certificate's DER: 64 lowercase hex digits
    std::string name;         // the device name from the certificate, "default" if none
    Bytes cert_der;           // at most proto::kMaxCertBytes
    TimePoint first_seen{};
    TimePoint last_seen{};
};

class DeviceStore {
  public:
    virtual ~DeviceStore() = default;

    // Inserts the device, or updates last_seen of a known one (first_seen, name and certificate
    // stay). Fails with limit_reached when the account already has proto::kMaxDevicesPerUser
    // other devices, and with invalid_argument for a fingerprint that is not 64 lowercase hex
    // digits, an empty name or one longer than kMaxDeviceNameBytes, or a certificate longer than
    // kMaxCertBytes.
    virtual StoreResult<DeviceRecord> record_device(std::int64_t account_id,
                                                    const std::string& fingerprint,
                                                    const std::string& name, ByteView cert_der,
                                                    TimePoint when) = 0;
    // Oldest first; at most kMaxDevicesPerUser.
    virtual StoreResult<std::vector<DeviceRecord>> devices(std::int64_t account_id) = 0;
    // False: the account has no such device. Its prekeys (PrekeyStore) go with it, in the same
    // transaction.
    virtual StoreResult<bool> remove_device(std::int64_t account_id,
                                            const std::string& fingerprint) = 0;
};

enum class FriendState {
    friends,
    incoming,  // they asked us; we may accept or decline
    outgoing,  // we asked them (the name as we typed it: it need not be an account)
};
std::string_view friend_state_name(FriendState state);  // "friends", "incoming", "outgoing"

struct FriendEntry {
    std::string username;
    FriendState state = FriendState::friends;
    TimePoint since{};  // friends since, or when the request was made
};

enum class RequestOutcome {
    requested,
    became_friends,  // the other side had asked us: consent both ways
    already_friends,
    already_requested,
    to_self,
};
enum class AnswerOutcome { done, no_request };  // accept / decline
enum class RemoveOutcome {
    unfriended,  // a friendship ended (then the other's name is an account)
    withdrawn,   // our own pending request to that name was withdrawn (it need not be one)
    not_friends,
};

// Friendship needs consent: a request, then the other side's accept. Requests are kept by
// name, so that the answer to a request is the same whether the user exists or not (no
// enumeration); a request to a name that is registered later reaches its new owner.
//
// Limits (proto/limits.h): a user has at most kMaxFriends friends and kMaxOutgoingRequests
// pending requests; a name receives at most kMaxIncomingRequests pending requests. When the
// receiver is full, the requests already there stay and the new one is refused (limit_reached
// to the sender), so nobody can push a user's real requests out by flooding; the receiver frees
// room by declining. The incoming count is kept by name too, so it says nothing about whether
// the name has an account.
//
// Names that validate_username refuses cannot be accounts: requests to them fail with
// invalid_argument, and the answers for them are no_request / not_friends / false.
class FriendStore {
  public:
    virtual ~FriendStore() = default;

    // limit_reached when the sender has kMaxOutgoingRequests pending or is at kMaxFriends, or
    // the receiver has kMaxIncomingRequests pending; and, for became_friends, when the other
    // side is at kMaxFriends (both requests then stay).
    virtual StoreResult<RequestOutcome> request_friend(std::int64_t from_account,
                                                       const std::string& to_username,
                                                       TimePoint when) = 0;
    // limit_reached when either side is at kMaxFriends (the request stays).
    virtual StoreResult<AnswerOutcome> accept_friend(std::int64_t account,
                                                     const std::string& from_username,
                                                     TimePoint when) = 0;
    virtual StoreResult<AnswerOutcome> decline_friend(std::int64_t account,
                                                      const std::string& from_username) = 0;
    // Ends the friendship (unfriended), or withdraws our own pending request to them (withdrawn).
    virtual StoreResult<RemoveOutcome> remove_friend(std::int64_t account,
                                                     const std::string& username) = 0;
    // Friends by username, then incoming and then outgoing requests, oldest first; each part
    // bounded by its limit.
    virtual StoreResult<std::vector<FriendEntry>> friends(std::int64_t account) = 0;
    virtual StoreResult<bool> are_friends(const std::string& a, const std::string& b) = 0;
};

// One object per backend serves them all.
class Store : public AccountStore,
              public DeviceStore,
              public FriendStore,
              public PrekeyStore,
              public EnvelopeStore {};

// Opens (creating if needed) the SQLite database at `path` (WAL mode, synchronous=FULL) and runs
// migrations.
StoreResult<std::unique_ptr<Store>> open_sqlite(const std::filesystem::path& path,
                                                HashCost wrap_cost = {});

// Connects, runs migrations (keeping the seeds' `users` table and its columns), and reconnects
// by itself after the server went away: calls during an outage fail with `unavailable`.
StoreResult<std::unique_ptr<Store>> open_mariadb(const MariaDbConfig& config,
                                                 HashCost wrap_cost = {});

}  // namespace sc::store
